// `agentd serve` as a new user meets it: --help, --version, the start banner, and a missing
// prerequisite (unknown database scheme, unreachable database, no bubblewrap) as a clear start error.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { BIN, runCli, spawnCli, type CliProcess } from './run-cli.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

const version = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string }).version;

async function until(p: CliProcess, text: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!p.stdout().includes(text)) {
    if (Date.now() > deadline || p.child.exitCode !== null) throw new Error(`never printed "${text}"\nstdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('agentd serve: first run', () => {
  const tmp = useTempDirs('agentd-serve-');

  it('--help and --version answer and exit 0; a bad flag is a usage error (2)', async () => {
    const help = await runCli(['serve', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('usage: agentd serve');
    expect(help.stdout).toContain('--database-url');
    for (const args of [['--version'], ['serve', '--version'], ['-v']]) {
      const v = await runCli(args);
      expect(v.code).toBe(0);
      expect(v.stdout).toBe(`agentd ${version}\n`);
    }
    const bad = await runCli(['serve', '--nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Unknown option '--nope'");
  });

  it('prints what it serves, and says which variable to set when no model credentials are found', async () => {
    const cwd = tmp();
    const p = spawnCli(['serve', '--port', '0'], { cwd, env: { AGENTD_LOG_LEVEL: 'warn' } });
    await until(p, 'api key');
    const out = p.stdout();
    expect(out).toMatch(new RegExp(`agentd ${version.replace(/\./g, '\\.')} serving http://127\\.0\\.0\\.1:\\d+`));
    expect(out).toContain(`data      SQLite ${fs.realpathSync(cwd)}/.agentd/agentd.db`);
    expect(out).toContain('sandbox   bubblewrap, one sandbox per session');
    expect(out).toMatch(/model {5}anthropic, NO CREDENTIALS FOUND .*ANTHROPIC_API_KEY/);
    expect(out).toContain(`api key   in ${fs.realpathSync(cwd)}/.agentd/api-key`);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('names where the credentials come from, never their value', async () => {
    const p = spawnCli(['serve', '--port', '0', '--data-dir', tmp()], {
      env: { AGENTD_LOG_LEVEL: 'info', ANTHROPIC_API_KEY: 'sk-ant-secret-value', AGENTD_API_KEY: 'sk-agentd-chosen' },
    });
    await until(p, 'api key');
    expect(p.stdout()).toContain('model     anthropic, credentials from ANTHROPIC_API_KEY');
    expect(p.stdout()).toContain('api key   from AGENTD_API_KEY');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.stdout() + p.stderr()).not.toContain('sk-ant-secret-value');
    expect(p.stdout() + p.stderr()).not.toContain('sk-agentd-chosen');
  });

  it('refuses an unknown database URL scheme instead of creating a file named after it', async () => {
    const cwd = tmp();
    const r = await runCli(['serve', '--port', '0', '--database-url', 'mysql://root@localhost/agentd'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('unsupported database URL scheme "mysql:"');
    expect(r.stderr).toContain('postgres://');
    expect(fs.readdirSync(cwd)).toEqual([]);
  });

  it('accepts sqlite:<path>', async () => {
    const cwd = tmp();
    const p = spawnCli(['serve', '--port', '0', '--database-url', 'sqlite:./db/my.db'], { cwd, env: { AGENTD_LOG_LEVEL: 'warn' } });
    await until(p, 'api key');
    expect(p.stdout()).toContain(`data      SQLite ${fs.realpathSync(cwd)}/db/my.db`);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(fs.existsSync(path.join(cwd, 'db', 'my.db'))).toBe(true);
  });

  it('an unreachable PostgreSQL database is a start error naming it (password hidden)', async () => {
    const r = await runCli(['serve', '--port', '0', '--data-dir', tmp(), '--database-url', 'postgres://agentd:hunter2@127.0.0.1:1/agentd']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot connect to the PostgreSQL database postgres://agentd:***@127.0.0.1:1/agentd');
    expect(r.stderr).toContain('ECONNREFUSED');
    expect(r.stderr).not.toContain('hunter2');
  });

  it('bubblewrap missing is a start error that says what to do; AGENTD_SANDBOX=none is the explicit opt-out', async () => {
    const dataDir = tmp();
    const r = await runCli(['serve', '--port', '0', '--data-dir', dataDir], { env: { AGENTD_BWRAP_PATH: '/nonexistent/bwrap', AGENTD_LOG_LEVEL: 'fatal' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the bubblewrap sandbox cannot run on this host (/nonexistent/bwrap');
    expect(r.stderr).toContain('AGENTD_SANDBOX=none');
    expect(fs.existsSync(path.join(dataDir, 'api-key')), 'nothing is created by a start that fails').toBe(false);

    const p = spawnCli(['serve', '--port', '0', '--data-dir', dataDir], {
      env: { AGENTD_BWRAP_PATH: '/nonexistent/bwrap', AGENTD_SANDBOX: 'none', AGENTD_LOG_LEVEL: 'fatal' },
    });
    await until(p, 'api key');
    expect(p.stdout()).toContain('sandbox   NONE (AGENTD_SANDBOX=none): tools run unisolated on this host');
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });
  it('started by npm (through `sh -c`), stops when npm goes away instead of living on as an orphan', async () => {
    // npm runs `npx agentd serve` as `sh -c 'agentd serve'` and signals only that shell.
    const shell = spawn('sh', ['-c', `"${process.execPath}" "${BIN}" serve --port 0 --data-dir "${tmp()}"`], {
      env: { ...process.env, npm_command: 'exec', AGENTD_SANDBOX: 'none', AGENTD_LOG_LEVEL: 'info', AGENTD_API_KEY: 'sk-agentd-npm-test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    shell.stdout!.on('data', (d) => (out += d));
    const deadline = Date.now() + 30_000;
    let serverPid: number | undefined;
    while (serverPid === undefined) {
      if (Date.now() > deadline) throw new Error(`the server never said it was listening:\n${out}`);
      const line = out.split('\n').find((l) => l.includes('"agentd listening"'));
      if (line) serverPid = (JSON.parse(line) as { pid: number }).pid;
      else await new Promise((r) => setTimeout(r, 50));
    }
    expect(serverPid).not.toBe(shell.pid);
    shell.kill('SIGTERM');
    const alive = () => {
      try {
        process.kill(serverPid!, 0);
        return true;
      } catch {
        return false;
      }
    };
    while (alive() && Date.now() < deadline + 30_000) await new Promise((r) => setTimeout(r, 100));
    expect(alive(), 'the server outlived the npm process that started it').toBe(false);
    expect(out).toContain('"signal":"npm exited"');
  });
});

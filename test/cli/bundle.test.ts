// The bundled agentd (dist/bundle/agentd.js, scripts/bundle.mjs), which package.json's bin and
// `npm start` run: it finds what it needs outside the bundle (the sandbox's tool host in
// dist/src/sandbox, better-sqlite3), and the npm launchers stop it when they are signalled.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { useFakeAnthropic } from '../helpers/use.js';
import { TEST_API_KEY, TEST_MODEL_KEY } from '../helpers/server.js';
import { startServeProcess } from '../helpers/serve-process.js';
import { sendText, streamWhile } from '../helpers/turns.js';
import { freePort } from '../helpers/agentd-process.js';
import { BUNDLE_BIN } from './run-cli.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

describe('the bundled agentd', () => {
  const fake = useFakeAnthropic();

  it('runs a bash tool in the bubblewrap sandbox (the tool host comes from dist/src/sandbox)', async () => {
    expect(fs.existsSync(BUNDLE_BIN), 'build first: npm run build').toBe(true);
    const server = await startServeProcess(
      { AGENTD_API_KEY: TEST_API_KEY, ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: TEST_MODEL_KEY, AGENTD_LOG_LEVEL: 'warn' },
      60_000,
      BUNDLE_BIN,
    );
    try {
      const client = new Anthropic({ baseURL: server.url, apiKey: TEST_API_KEY, maxRetries: 0 });
      const environment = await client.beta.environments.create({ name: 'bundle-env' });
      const agent = await client.beta.agents.create({ name: 'bundle-agent', model: 'claude-sonnet-4-6', tools: [{ type: 'agent_toolset_20260401' }] });
      const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
      fake.enqueue({ content: [{ type: 'tool_use', name: 'bash', input: { command: 'echo "bundled-$((6 * 7))" && id -u' } }] }, { content: [{ type: 'text', text: 'Done.' }] });
      await streamWhile(client, session.id, () => sendText(client, session.id, 'Go'), undefined, 60_000);
      const toolResult = JSON.stringify(fake.requests.at(-1)!.body.messages);
      expect(toolResult).toContain('bundled-42');
      expect(toolResult, 'the command ran as the sandbox user, not as this process').not.toMatch(new RegExp(`bundled-42\\\\n${process.getuid!()}\\b`));
    } finally {
      await server.stop();
    }
  });
});

// npm runs `npm start` as `sh -c 'exec node dist/bundle/agentd.js serve'` and `npx agentd serve` as
// `sh -c 'agentd serve'` (the shell stays, npm signals only it): either way no server may be left.
describe('npm launchers stop the bundled server when signalled', () => {
  const tempDir = useTempDirs('agentd-npm-launch-');

  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  const portFree = (port: number) =>
    new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
    });

  const NPM_START = ['start', '--'];
  const NPX = ['exec', '--no-install', '--', 'agentd', 'serve'];
  // `group` signals npm's process group, as Ctrl-C on a terminal does. A SIGINT to npm's pid alone
  // does not stop `npx agentd serve`: npm passes it to its shell, which waits for its foreground
  // child (agentd, never signalled) before acting on it, so npm, the shell and agentd all run on.
  const cases: { name: string; npmArgs: string[]; signal: NodeJS.Signals; group?: true }[] = [
    { name: 'npm start', npmArgs: NPM_START, signal: 'SIGTERM' },
    { name: 'npm start', npmArgs: NPM_START, signal: 'SIGINT' },
    { name: 'npx agentd serve', npmArgs: NPX, signal: 'SIGTERM' },
    { name: 'npx agentd serve', npmArgs: NPX, signal: 'SIGINT', group: true },
    // npm killed outright leaves its shell waiting for agentd: agentd stops when npm is gone.
    { name: 'npx agentd serve', npmArgs: NPX, signal: 'SIGKILL' },
  ];
  for (const { name, npmArgs, signal, group } of cases) {
    it(`${name}: ${signal} to npm${group ? "'s process group (Ctrl-C)" : ''} stops the server and frees the port`, async () => {
      const dataDir = tempDir();
      const port = await freePort();
      const npm = spawn('npm', [...npmArgs, '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir], {
        cwd: process.cwd(),
        env: { ...process.env, AGENTD_SANDBOX: 'none', AGENTD_LOG_LEVEL: 'info', AGENTD_API_KEY: TEST_API_KEY, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: group ?? false,
      });
      let out = '';
      npm.stdout!.on('data', (d) => (out += d));
      npm.stderr!.on('data', (d) => (out += d));
      const npmExited = new Promise<void>((resolve) => npm.once('exit', () => resolve()));
      try {
        const deadline = Date.now() + 60_000;
        let serverPid: number | undefined;
        for (;;) {
          if (Date.now() > deadline || npm.exitCode !== null) throw new Error(`the server never answered /health:\n${out}`);
          const line = out.split('\n').find((l) => l.includes('"agentd listening"'));
          serverPid ??= line ? (JSON.parse(line) as { pid: number }).pid : undefined;
          const status = serverPid === undefined ? 0 : await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status, () => 0);
          if (status === 200) break;
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(serverPid).not.toBe(npm.pid);
        if (group) process.kill(-npm.pid!, signal);
        else npm.kill(signal);
        const until = Date.now() + 30_000;
        while (alive(serverPid!) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
        expect(alive(serverPid!), `the server outlived ${name} after ${signal}:\n${out}`).toBe(false);
        expect(await portFree(port), 'the port is free again').toBe(true);
      } finally {
        if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
        await npmExited;
      }
    });
  }
});

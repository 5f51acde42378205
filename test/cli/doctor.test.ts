// `agentd doctor` as a new user runs it: every prerequisite with what to fix — bubblewrap missing
// (not on PATH), a PostgreSQL server that does not answer, no model credentials — and exit 0 only
// when everything is in place.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/agentd-process.js';
import { runCli } from './run-cli.js';

describe('agentd doctor', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-doctor-'));
  const emptyPath = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-doctor-path-'));
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(emptyPath, { recursive: true, force: true });
  });

  it('all in place: exit 0, a line per check, nothing created', async () => {
    const dataDir = path.join(dir, 'ok');
    const r = await runCli(['doctor', '--data-dir', dataDir], { env: { ANTHROPIC_API_KEY: 'sk-ant-doctor-secret' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✓ node {6}v\d+\./m);
    expect(r.stdout).toContain(`✓ database  SQLite ${dataDir}/agentd.db (reachable)`);
    expect(r.stdout).toMatch(/^✓ sandbox {3}bubblewrap \(bwrap\) runs$/m);
    expect(r.stdout).toContain('✓ model     anthropic, credentials from ANTHROPIC_API_KEY');
    expect(r.stdout).toContain('everything agentd serve needs is in place');
    expect(r.stdout).not.toContain('sk-ant-doctor-secret');
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('bubblewrap missing from PATH, no credentials: exit 1 with what to do for each', async () => {
    const r = await runCli(['doctor', '--data-dir', path.join(dir, 'nobwrap')], { env: { PATH: emptyPath } });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ sandbox   the bubblewrap sandbox cannot run on this host (bwrap not found on PATH)');
    expect(r.stdout).toContain('apt-get install bubblewrap');
    expect(r.stdout).toContain('AGENTD_SANDBOX=none');
    expect(r.stdout).toMatch(/✗ model {5}anthropic: no model credentials: .*ANTHROPIC_API_KEY/);
    expect(r.stdout).toContain('2 problems to fix (above)');
    // AGENTD_SANDBOX=none is the explicit opt-out: then bubblewrap is not needed.
    const optOut = await runCli(['doctor', '--data-dir', path.join(dir, 'nobwrap')], { env: { PATH: emptyPath, AGENTD_SANDBOX: 'none', ANTHROPIC_API_KEY: 'k' } });
    expect(optOut.code).toBe(0);
    expect(optOut.stdout).toContain('✓ sandbox   NONE (AGENTD_SANDBOX=none)');
  });

  it('an unreachable database names it (password hidden) and says what to check; an unknown scheme is a finding', async () => {
    const port = await freePort();
    const url = `postgres://agentd:hunter2@127.0.0.1:${port}/agentd`;
    const r = await runCli(['doctor', '--database-url', url, '--data-dir', path.join(dir, 'pg')], { env: { ANTHROPIC_API_KEY: 'k' } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`✗ database  cannot connect to postgres://agentd:\\*+@127\\.0\\.0\\.1:${port}/agentd: .*ECONNREFUSED`));
    expect(r.stdout).toContain('Check that the server is running');
    expect(r.stdout).not.toContain('hunter2');
    expect(r.stdout).toContain('1 problem to fix (above)');

    const mysql = await runCli(['doctor', '--database-url', 'mysql://root@localhost/agentd'], { cwd: dir });
    expect(mysql.code).toBe(1);
    expect(mysql.stdout).toContain('✗ config    unsupported database URL scheme "mysql:"');
  });
});

// The bubblewrap sandbox, seen from inside through the agent's own tools: the server's secrets,
// its data dir and other sessions' workspaces are out of reach, and the file tools cannot be
// talked out of /workspace with `..` or symlinks. (Needs bwrap, and a built dist/ for the tool host.)
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { TEST_API_KEY } from '../helpers/server.js';
import { bash, runTools, toolSession } from '../helpers/sandbox.js';

// Secrets in the server process's own environment (this worker is the server's process).
const SECRETS = {
  ANTHROPIC_API_KEY: 'sk-ant-secret-model-key-3141',
  AGENTD_API_KEY: 'sk-agentd-secret-client-key-2718',
  DATABASE_URL: 'postgres://agentd:secret-db-password-1618@db/agentd',
  AWS_SECRET_ACCESS_KEY: 'aws-secret-access-key-1414',
};

describe('bubblewrap isolation', { timeout: 180_000 }, () => {
  let hostSecret: string;
  const saved: Record<string, string | undefined> = {};
  const fake = useFakeAnthropic();
  const t = useServer('sqlite', () => ({ model: fake }));

  beforeAll(async () => {
    for (const [k, v] of Object.entries(SECRETS)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    hostSecret = path.join(t.dataDir, 'host-secret.txt');
    fs.writeFileSync(hostSecret, 'host-only-secret-content-9973\n');
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it("bash cannot read the server's environment variables, not even through /proc", async () => {
    const session = await toolSession(t.client);
    const [env, environs] = await runTools(t, fake, session.id, [
      bash('env'),
      bash("for f in /proc/[0-9]*/environ; do tr '\\0' '\\n' < $f; done; echo scanned"),
    ]);
    expect(env!.isError).toBe(false);
    expect(env!.text).toContain('HOME=/workspace');
    expect(environs!.text).toContain('scanned');
    for (const text of [env!.text, environs!.text]) {
      for (const value of [...Object.values(SECRETS), TEST_API_KEY]) expect(text).not.toContain(value);
      expect(text).not.toMatch(/^(ANTHROPIC|AGENTD|AWS)_|^DATABASE_URL=/m);
    }
  });

  it('bash cannot read the data dir', async () => {
    const session = await toolSession(t.client);
    const [cat, ls, db, find] = await runTools(t, fake, session.id, [
      bash(`cat ${hostSecret}`),
      bash(`ls -la ${t.dataDir}`),
      bash(`cat ${path.join(t.dataDir, 'agentd.db')} | head -c 100`),
      bash("find / -path /proc -prune -o \\( -name 'host-secret.txt' -o -name 'agentd.db' \\) -print 2>/dev/null; echo searched"),
    ]);
    expect(cat).toMatchObject({ isError: true });
    expect(cat!.text).toContain('No such file or directory');
    expect(cat!.text).not.toContain('host-only-secret-content');
    expect(ls).toMatchObject({ isError: true });
    expect(ls!.text).toContain('No such file or directory');
    expect(db!.text).toContain('No such file or directory');
    expect(find!.text.trim()).toBe('searched');
  });

  it("cannot see another session's workspace", async () => {
    const a = await toolSession(t.client);
    const b = await toolSession(t.client);
    const [wrote] = await runTools(t, fake, a.id, [bash('echo session-a-secret-5551 > /workspace/secret-of-a.txt && pwd')]);
    expect(wrote).toEqual({ isError: false, text: '/workspace' });
    const hostFile = path.join(t.dataDir, 'workspaces', a.id, 'workspace', 'secret-of-a.txt');
    expect(fs.readFileSync(hostFile, 'utf8')).toBe('session-a-secret-5551\n'); // where A's workspace really is

    const [byPath, byDir, byFind, own] = await runTools(t, fake, b.id, [
      bash(`cat ${hostFile}`),
      bash(`ls ${path.join(t.dataDir, 'workspaces')}`),
      bash("find / -path /proc -prune -o -name 'secret-of-a*' -print 2>/dev/null; echo searched"),
      bash('ls -A /workspace; echo listed'),
    ]);
    expect(byPath).toMatchObject({ isError: true });
    expect(byPath!.text).toContain('No such file or directory');
    expect(byDir).toMatchObject({ isError: true });
    expect(byFind!.text.trim()).toBe('searched');
    expect(own!.text.trim()).toBe('listed');
  });

  it('read/write cannot escape /workspace with .. or symlinks', async () => {
    const session = await toolSession(t.client);
    const escapeTarget = path.join(t.dataDir, 'escaped.txt');
    const results = await runTools(t, fake, session.id, [
      bash('ln -s / /workspace/root && ln -s ../.. /workspace/up && echo linked'),
      { name: 'read', input: { file_path: `/workspace/root${hostSecret}` } },
      { name: 'read', input: { file_path: `../../..${hostSecret}` } },
      { name: 'read', input: { file_path: `/workspace/up${hostSecret}` } },
      { name: 'read', input: { file_path: '/workspace/root/etc/hostname' } },
      { name: 'write', input: { file_path: `/workspace/../..${escapeTarget}`, content: 'escaped' } },
      { name: 'write', input: { file_path: `/workspace/root${escapeTarget}`, content: 'escaped' } },
      { name: 'write', input: { file_path: '/workspace/root/tmp/escaped.txt', content: 'escaped' } },
      // bash itself is unconfined inside the sandbox, but / there is the sandbox's root.
      bash(`cat /workspace/root${hostSecret}`),
    ]);
    expect(results[0]).toEqual({ isError: false, text: 'linked' });
    for (const r of results.slice(1, 8)) {
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(/outside|No such file|ENOENT/);
      expect(r.text).not.toContain('host-only-secret-content');
    }
    expect(results[8]).toMatchObject({ isError: true });
    expect(results[8]!.text).toContain('No such file or directory');
    expect(fs.existsSync(escapeTarget)).toBe(false);
    expect(fs.existsSync('/tmp/escaped.txt')).toBe(false);
  });
});

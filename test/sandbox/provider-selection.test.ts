// AGENTD_SANDBOX: `none` runs tools unisolated (and says so loudly at every start); a server
// whose bubblewrap is unusable refuses to run cloud-environment tools rather than fall back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createLocalSandboxes } from '../../src/services/sandboxes.js';
import { systemClock } from '../../src/domain/clock.js';
import { useFakeAnthropic } from '../helpers/use.js';
import { startTestServer } from '../helpers/server.js';
import { bash, runTools, toolSession } from '../helpers/sandbox.js';

/** Starts the sandboxes as the server does, returning what they logged. */
async function startupLog(env: Record<string, string>): Promise<{ log: string; unavailable: string | undefined }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-sbx-log-'));
  let log = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      log += chunk.toString();
      cb();
    },
  });
  try {
    const sandboxes = await createLocalSandboxes(loadConfig({ dataDir }, env), pino({ level: 'info' }, sink), systemClock);
    await sandboxes.close();
    return { log, unavailable: sandboxes.unavailable };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('sandbox provider selection', { timeout: 180_000 }, () => {
  const fake = useFakeAnthropic();

  it('AGENTD_SANDBOX=none runs tools directly in the session workspace', async () => {
    const t = await startTestServer('sqlite', { model: fake, env: { AGENTD_SANDBOX: 'none' } });
    try {
      const session = await toolSession(t.client);
      const [wrote, read] = await runTools(t, fake, session.id, [
        { name: 'write', input: { file_path: '/workspace/direct.txt', content: 'direct\n' } },
        bash('cat direct.txt'),
      ]);
      expect(wrote!.isError).toBe(false);
      expect(read).toEqual({ isError: false, text: 'direct' });
      expect(fs.readFileSync(path.join(t.dataDir, 'workspaces', session.id, 'workspace', 'direct.txt'), 'utf8')).toBe('direct\n');
    } finally {
      await t.close();
    }
  });

  it('AGENTD_SANDBOX=none is logged loudly at start', async () => {
    const { log } = await startupLog({ AGENTD_SANDBOX: 'none' });
    expect(log).toContain('SANDBOX DISABLED');
    expect(log).toContain('"level":40');
  });

  it('a server that cannot use bubblewrap refuses to run tools', async () => {
    const t = await startTestServer('sqlite', { model: fake, env: { AGENTD_BWRAP_PATH: '/nonexistent/bwrap' } });
    try {
      const session = await toolSession(t.client);
      const [refused] = await runTools(t, fake, session.id, [bash('echo ran > /workspace/should-not-exist.txt')]);
      expect(refused!.isError).toBe(true);
      expect(refused!.text).toContain('Tool execution is unavailable');
      expect(refused!.text).toContain('AGENTD_SANDBOX=none');
      expect(fs.existsSync(path.join(t.dataDir, 'workspaces', session.id, 'workspace', 'should-not-exist.txt'))).toBe(false);
    } finally {
      await t.close();
    }
    const { log, unavailable } = await startupLog({ AGENTD_BWRAP_PATH: '/nonexistent/bwrap' });
    expect(unavailable).toContain('/nonexistent/bwrap');
    expect(log).toContain('SANDBOX UNAVAILABLE');
  });

  it('rejects an unknown AGENTD_SANDBOX value', () => {
    expect(() => loadConfig({}, { AGENTD_SANDBOX: 'docker' })).toThrow(/AGENTD_SANDBOX/);
  });
});

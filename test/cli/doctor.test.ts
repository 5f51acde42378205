// `agentd doctor` on this machine (where CI runs as root, with bubblewrap, slirp4netns, cgroup v1
// and python3-seccomp installed by .ci/run): every protection reports in force, through the real
// command; and a missing bubblewrap or AGENTD_SANDBOX=none is reported with what to do.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { renderChecks, sandboxChecks } from '../../src/services/doctor/sandbox-checks.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-doctor-'));
const config = (env: Record<string, string> = {}) => loadConfig({ dataDir }, env);

describe('agentd doctor', { timeout: 120_000 }, () => {
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('reports every protection in force here, and exits 0', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['dist/cli/main.js', 'doctor', '--data-dir', dataDir], { env: { PATH: process.env.PATH ?? '' } });
    const lines = stdout.trim().split('\n');
    expect(lines.map((l) => l.split(':')[0])).toEqual([
      'ok   isolation',
      'ok   unrestricted networking',
      'ok   sandbox user',
      'ok   cgroup limits',
      'ok   seccomp',
    ]);
    if (process.getuid?.() === 0) expect(stdout).toContain('sandboxes run as uid 2000000000');
    expect(stdout).toMatch(/cgroup v[12] per sandbox/);
  });

  it('says what to install when bubblewrap is missing', async () => {
    const checks = await sandboxChecks(config({ AGENTD_BWRAP_PATH: '/nonexistent/bwrap' }));
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ name: 'isolation', ok: false });
    expect(renderChecks(checks)).toContain('fix: apt-get install bubblewrap');
  });

  it('reports AGENTD_SANDBOX=none as no isolation', async () => {
    const checks = await sandboxChecks(config({ AGENTD_SANDBOX: 'none' }));
    expect(checks[0]).toMatchObject({ name: 'isolation', ok: false });
  });
});

// `agentd doctor`'s sandbox protections on this machine (where CI runs as root, with bubblewrap, slirp4netns, cgroup v1
// python3-seccomp and bash-static installed by .ci/run): every protection reports in force, through the real
// command; and a missing bubblewrap or AGENTD_SANDBOX=none is reported with what to do.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { sandboxChecks } from '../../src/services/sandbox-protections.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-doctor-'));
const config = (env: Record<string, string> = {}) => loadConfig({ dataDir }, env);

describe('agentd doctor', { timeout: 120_000 }, () => {
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('reports every protection in force here, and exits 0', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['dist/cli/main.js', 'doctor', '--data-dir', dataDir], {
      env: { PATH: process.env.PATH ?? '', ANTHROPIC_API_KEY: 'k' },
    });
    const names = stdout.split('\n').filter((l) => /^[✓✗] /.test(l)).map((l) => l.slice(0, 2) + l.slice(2).split(/ {2,}| own| agentd| cgroup v| syscall| bubblewrap/)[0]!.trim());
    for (const name of ['sandbox', 'unrestricted networking', 'sandbox user', 'cgroup limits', 'seccomp']) expect(names).toContain(`✓ ${name}`);
    if (process.getuid?.() === 0) expect(stdout).toContain('sandboxes run as uid 2000000000');
    expect(stdout).toMatch(/cgroup v[12] per sandbox/);
    // .ci/run installs bash-static: the sandbox's shell is the statically linked bash.
    expect(stdout).toMatch(/✓ sandbox shell +\/(usr\/)?bin\/bash-static \(statically linked\)/);
  });

  it('says what to install when bubblewrap is missing', async () => {
    const checks = await sandboxChecks(config({ AGENTD_BWRAP_PATH: '/nonexistent/bwrap' }));
    expect(checks).toHaveLength(1);
    expect(checks[0]).toMatchObject({ name: 'isolation', ok: false });
    expect(checks[0]?.fix).toContain('apt-get install bubblewrap');
  });

  it('reports AGENTD_SANDBOX=none as no isolation', async () => {
    const checks = await sandboxChecks(config({ AGENTD_SANDBOX: 'none' }));
    expect(checks[0]).toMatchObject({ name: 'isolation', ok: false });
  });
});

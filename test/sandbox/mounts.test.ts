// Resources inside the sandbox: file resources are read-only wherever they are mounted, the file
// tools reach mounts outside /workspace, and a mount point the agent swapped for a symlink is
// refused rather than followed on the host.
import fs from 'node:fs';
import path from 'node:path';
import { toFile } from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { bash, runTools } from '../helpers/sandbox.js';

describe('sandbox mounts', { timeout: 180_000 }, () => {
  const fake = useFakeAnthropic();
  const clock = new ManualClock();
  // The deployment scheduler and webhook dispatcher also sleep on this clock: with long polls they
  // stay asleep (two sleepers), and the sandbox's idle stop is the third.
  const t = useServer('sqlite', () => ({
    model: fake,
    clock,
    env: { AGENTD_SANDBOX_IDLE_MS: '500', AGENTD_SCHEDULER_POLL_MS: '3600000', AGENTD_WEBHOOK_POLL_MS: '3600000' },
  }));

  it('file resources are read-only; mounts outside /workspace are reachable; symlinked mount points are refused', async () => {
    const upload = await t.client.beta.files.upload({ file: await toFile(Buffer.from('resource bytes\n'), 'in.txt') });
    const agent = await createAgent(t.client, { tools: [{ type: 'agent_toolset_20260401' }] });
    const env = await createEnvironment(t.client);
    const session = await t.client.beta.sessions.create({
      agent: agent.id,
      environment_id: env.id,
      resources: [
        { type: 'file', file_id: upload.id, mount_path: '/workspace/data/in.txt' },
        { type: 'file', file_id: upload.id, mount_path: '/srv/shared/in.txt' },
      ],
    });
    const [cat, append, overwrite, readOutside, writeOutside] = await runTools(t, fake, session.id, [
      bash('cat /workspace/data/in.txt /srv/shared/in.txt'),
      bash('chmod u+w /workspace/data/in.txt; echo more >> /workspace/data/in.txt'),
      { name: 'write', input: { file_path: '/workspace/data/in.txt', content: 'replaced' } },
      { name: 'read', input: { file_path: '/srv/shared/in.txt' } },
      bash('echo more >> /srv/shared/in.txt'),
    ]);
    expect(cat).toEqual({ isError: false, text: 'resource bytes\nresource bytes' });
    expect(append!.isError).toBe(true);
    expect(append!.text).toContain('Read-only file system');
    expect(overwrite!.isError).toBe(true);
    expect(readOutside!.isError).toBe(false);
    expect(readOutside!.text).toContain('resource bytes');
    expect(writeOutside!.text).toMatch(/Read-only file system|Permission denied/);

    // While the sandbox is stopped, the workspace holds what the agent left: here, a mount point's
    // parent replaced by a symlink to a host directory. The next start must not follow it.
    await clock.untilSleeping(3);
    clock.advance(500);
    const workspace = path.join(t.dataDir, 'workspaces', session.id, 'workspace');
    const decoy = fs.mkdtempSync(path.join(t.dataDir, 'decoy-'));
    fs.rmSync(path.join(workspace, 'data'), { recursive: true });
    fs.symlinkSync(decoy, path.join(workspace, 'data'));
    const [refused] = await runTools(t, fake, session.id, [bash('echo ran')]);
    expect(refused!.isError).toBe(true);
    expect(refused!.text).toContain('/workspace/data is a symbolic link');
    expect(fs.readdirSync(decoy)).toEqual([]);
  });
});

// Workspace snapshots in the engine (AGENTD_WORKSPACE_SNAPSHOTS=on, so SQLite too): a turn that ran
// a tool leaves a base, one that changed nothing leaves nothing, a change leaves a layer; a replica
// that lost its copy of the workspace restores it before the next tool call, and one whose restore
// fails runs the tool anyway and tells the agent.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { runToolTurn } from '../helpers/tool-turn.js';
import { serverBlobs } from '../helpers/blobs.js';

const SANDBOX_ENV: Record<string, string> = process.env.AGENTD_SANDBOX ? { AGENTD_SANDBOX: process.env.AGENTD_SANDBOX } : {};

describe.each(dialects())('workspace snapshots in the engine (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  // No linger: each turn's runner is new, as on the replica that takes a session over (a lingering
  // runner holds the lease, so no other replica runs the session while it keeps its copy).
  const t = useServer(dialect, () => ({ model: fake, env: { ...SANDBOX_ENV, AGENTD_WORKSPACE_SNAPSHOTS: 'on', AGENTD_SESSION_LINGER_MS: '0' } }));

  async function newSession() {
    const agent = await createAgent(t.client, { tools: [{ type: 'agent_toolset_20260401' }] });
    const env = await createEnvironment(t.client);
    return t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
  }
  const snapshots = (id: string) => t.server.store.workspaceSnapshots.list(id);
  /** What losing this replica's disk looks like to the engine: the session's host directory is gone. */
  const loseLocalCopy = (id: string) => fs.rmSync(path.join(t.dataDir, 'workspaces', id), { recursive: true, force: true });
  const bash = (command: string) => ({ name: 'bash', input: { command } });

  it('base, nothing, layer; then a restore before the next tool call after the local copy is lost', async () => {
    const session = await newSession();
    await runToolTurn(t, fake, session.id, [bash('echo one > a.txt && mkdir -p d && echo two > d/b.txt')]);
    expect((await snapshots(session.id)).map((s) => s.kind)).toEqual(['base']);
    await runToolTurn(t, fake, session.id, [bash('cat a.txt')]);
    expect((await snapshots(session.id)).map((s) => s.kind)).toEqual(['base']);
    await runToolTurn(t, fake, session.id, [bash('echo three > a.txt && rm -r d')]);
    const chain = await snapshots(session.id);
    expect(chain.map((s) => s.kind)).toEqual(['base', 'layer']);
    expect(chain[1]!.deleted).toEqual(['workspace/d']);

    loseLocalCopy(session.id);
    const [result] = await runToolTurn(t, fake, session.id, [bash('cat a.txt; ls d 2>&1 || true')]);
    expect(result!.isError).toBe(false);
    expect(result!.text).toContain('three');
    expect(result!.text).toMatch(/No such file/);
  });

  it('a restore that fails (its bytes are gone) still runs the tool, with a note to the agent', async () => {
    const session = await newSession();
    await runToolTurn(t, fake, session.id, [bash('echo kept > a.txt')]);
    const [base] = await snapshots(session.id);
    await serverBlobs(t).remove(base!.blobKey);
    loseLocalCopy(session.id);
    const [result] = await runToolTurn(t, fake, session.id, [bash('echo ran; cat a.txt 2>&1 || true')]);
    expect(result!.text).toContain('ran');
    expect(result!.text).toContain('could not be restored from its snapshot');
    // The next snapshot is a new base of what is there now: the chain is whole again.
    expect((await snapshots(session.id)).map((s) => [s.kind, s.generation])).toEqual([['base', 2]]);
  });
});

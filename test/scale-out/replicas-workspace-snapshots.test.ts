// Workspace snapshots across real replicas on one PostgreSQL database: a turn writes files in
// /workspace with the bash tool on one replica, that replica is SIGKILLed, and the next turn, run
// by the other replica, reads them (restored from the snapshot in the database); deleting the
// session deletes its snapshots. Resources meet snapshots: the replica taking a session over restores
// the repositories the agent changed instead of cloning them again, and places only resources added since.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useFakeAnthropic } from '../helpers/use.js';
import { replicaCluster, shortLeaseEnv, type Replica } from '../helpers/replicas.js';
import { sendText, waitSettled } from '../helpers/turns.js';
import { scrape } from '../helpers/prometheus.js';
import { createTestRepo, LOCAL_REPOS_ENV } from '../helpers/git-repos.js';
import { toFile } from '@anthropic-ai/sdk';

const KEY = 'sk-snapshot-test';

describe.skipIf(!process.env.AGENTD_TEST_DATABASE_URL)('replicas: workspace snapshots (postgres)', () => {
  const fake = useFakeAnthropic();
  const cluster = replicaCluster(['a', 'b'], () => ({ ...shortLeaseEnv(KEY, fake.url), ...LOCAL_REPOS_ENV }));
  const replicas = cluster.replicas;

  const workspaceFile = (r: Replica, sessionId: string, rel: string) => path.join(r.dataDir, 'ws', sessionId, 'workspace', rel);
  const toolResultText = (e: { type: string; content?: unknown }) =>
    ((e.content ?? []) as { type: string; text?: string }[]).map((b) => b.text ?? '').join('');

  it('the next turn after a SIGKILL of the replica that wrote the workspace reads its files on the other replica', async () => {
    const client = replicas[0]!.client;
    const agent = await client.beta.agents.create({ name: 'snapshots', model: 'claude-sonnet-4-6', tools: [{ type: 'agent_toolset_20260401' }] });
    const env = await client.beta.environments.create({ name: `snapshots-env-${Date.now()}` });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: env.id });

    fake.enqueue(
      {
        content: [
          {
            type: 'tool_use',
            id: 'toolu_write',
            name: 'bash',
            input: { command: 'echo "written in turn one" > note.txt && mkdir -p sub && ln -s ../note.txt sub/link && printf "#!/bin/sh\\necho ran\\n" > run.sh && chmod 755 run.sh' },
          },
        ],
      },
      { content: [{ type: 'text', text: 'Written.' }] },
    );
    await sendText(client, session.id, 'write the note');
    const first = await waitSettled(client, session.id, 60_000);
    expect(first.filter((e) => e.type === 'agent.tool_result')).toMatchObject([{ is_error: false }]);

    // The replica that ran the tool has the file on its disk; the other has nothing of the session.
    expect(replicas[0]!.proc!.output()).toContain('snapshotted to the blob store at each turn end');
    const writer = replicas.find((r) => fs.existsSync(workspaceFile(r, session.id, 'note.txt')))!;
    expect(writer).toBeDefined();
    const reader = replicas.find((r) => r !== writer)!;
    expect(fs.existsSync(workspaceFile(reader, session.id, 'note.txt'))).toBe(false);
    // Snapshotted before the turn was reported idle: the row says at which event.
    const { rows } = await cluster.db().query('SELECT kind, generation, event_seq FROM workspace_snapshots WHERE session_id = $1', [session.id]);
    expect(rows).toMatchObject([{ kind: 'base', generation: 1 }]);
    expect(Number(rows[0].event_seq)).toBeGreaterThan(0);

    await writer.kill('SIGKILL');

    fake.enqueue(
      { content: [{ type: 'tool_use', id: 'toolu_read', name: 'bash', input: { command: 'cat sub/link && readlink sub/link && ./run.sh' } }] },
      { content: [{ type: 'text', text: 'Read.' }] },
    );
    await sendText(reader.client, session.id, 'read the note');
    const events = await waitSettled(reader.client, session.id, 60_000);
    const results = events.filter((e) => e.type === 'agent.tool_result');
    expect(results).toHaveLength(2);
    expect(results[1]).toMatchObject({ is_error: false });
    expect(toolResultText(results[1]!)).toContain('written in turn one');
    expect(toolResultText(results[1]!)).toContain('../note.txt');
    expect(toolResultText(results[1]!)).toContain('ran');
    expect(fs.lstatSync(workspaceFile(reader, session.id, 'sub/link')).isSymbolicLink()).toBe(true);
    // The reader restored once; its turn (which only read) changed nothing, so it wrote nothing.
    const metrics = (await scrape(reader.url, { 'x-api-key': KEY })).scrape;
    expect(metrics.value('agentd_workspace_restores_total')).toBe(1);
    expect(metrics.value('agentd_workspace_snapshots_total', { outcome: 'nothing' })).toBe(1);
    expect(metrics.value('agentd_workspace_snapshot_bytes_total', { kind: 'base' })).toBe(0);
    expect((await cluster.db().query('SELECT generation FROM workspace_snapshots WHERE session_id = $1', [session.id])).rows).toEqual([{ generation: 1 }]);
    // The first tool ran once, on the killed replica (never re-run by the reader).
    expect(events.filter((e) => e.type === 'agent.tool_use').map((e) => (e as { id: string }).id)).toHaveLength(2);

    // Deleting the session deletes its snapshot rows and their bytes.
    const keys = (await cluster.db().query('SELECT blob_key FROM workspace_snapshots WHERE session_id = $1', [session.id])).rows.map((r) => r.blob_key as string);
    expect(keys.length).toBeGreaterThan(0);
    await reader.client.beta.sessions.delete(session.id);
    expect((await cluster.db().query('SELECT count(*)::int AS n FROM workspace_snapshots WHERE session_id = $1', [session.id])).rows[0].n).toBe(0);
    expect((await cluster.db().query('SELECT count(*)::int AS n FROM blobs WHERE key = ANY($1)', [keys])).rows[0].n).toBe(0);
  });

  it('a takeover restores the repository as the agent changed it (no new clone) and places only a file added since the snapshot', async () => {
    // Both replicas up again (the previous test killed one).
    for (const r of replicas) if (!r.proc) await r.start();
    const live = replicas;
    const client = live[0]!.client;
    const repo = createTestRepo('snap-repo');
    const agent = await client.beta.agents.create({ name: 'snapshots-mounts', model: 'claude-sonnet-4-6', tools: [{ type: 'agent_toolset_20260401' }] });
    const env = await client.beta.environments.create({ name: `snapshots-mounts-env-${Date.now()}` });
    const session = await client.beta.sessions.create({
      agent: agent.id,
      environment_id: env.id,
      resources: [{ type: 'github_repository', url: repo.dir }],
    });
    fake.enqueue(
      { content: [{ type: 'tool_use', id: 'toolu_edit', name: 'bash', input: { command: 'echo "edited by the agent" >> snap-repo/README.md' } }] },
      { content: [{ type: 'text', text: 'Edited.' }] },
    );
    await sendText(client, session.id, 'edit the readme');
    const first = await waitSettled(client, session.id, 60_000);
    expect(first.filter((e) => e.type === 'session.error')).toEqual([]);
    const writer = live.find((r) => fs.existsSync(workspaceFile(r, session.id, 'snap-repo/README.md')))!;
    expect(writer).toBeDefined();
    const reader = replicas.find((r) => r !== writer)!;

    // After the snapshot: a file resource (not in it), and the origin disappears (a new clone would fail).
    const upload = await client.beta.files.upload({ file: await toFile(Buffer.from('added after the snapshot\n'), 'late.txt') });
    await client.beta.sessions.resources.add(session.id, { type: 'file', file_id: upload.id, mount_path: '/workspace/late.txt' });
    repo.remove();
    await writer.kill('SIGKILL');

    fake.enqueue(
      { content: [{ type: 'tool_use', id: 'toolu_read2', name: 'bash', input: { command: 'cat snap-repo/README.md late.txt' } }] },
      { content: [{ type: 'text', text: 'Read.' }] },
    );
    await sendText(reader.client, session.id, 'read them');
    const events = await waitSettled(reader.client, session.id, 60_000);
    expect(events.filter((e) => e.type === 'session.error')).toEqual([]);
    const results = events.filter((e) => e.type === 'agent.tool_result');
    const text = toolResultText(results.at(-1)!);
    expect(text).toContain('v2');
    expect(text).toContain('edited by the agent');
    expect(text).toContain('added after the snapshot');
  });
});

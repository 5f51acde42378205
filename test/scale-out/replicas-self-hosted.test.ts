// The self-hosted work queue served from two real replicas to one SDK EnvironmentWorker: the
// worker reaches them through a round-robin proxy, so its long polls, claims and answers alternate
// between A and B while the session is created and driven through A only.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useFakeAnthropic } from '../helpers/use.js';
import { createPostgresDatabase } from '../helpers/databases.js';
import { startReplica, stopReplicas, type Replica } from '../helpers/replicas.js';
import { startRoundRobinProxy, type RoundRobinProxy } from '../helpers/round-robin-proxy.js';
import { keyFromCli, killGroup, textOf, toolResults, useWorkers } from '../helpers/self-hosted.js';
import { TEST_API_KEY } from '../helpers/server.js';
import { sendText, waitSettled } from '../helpers/turns.js';

describe.skipIf(!process.env.AGENTD_TEST_DATABASE_URL)('replicas: one EnvironmentWorker served by two replicas (postgres)', () => {
  const workers = useWorkers();
  const fake = useFakeAnthropic();
  let replicas: Replica[] = [];
  let proxy: RoundRobinProxy | undefined;
  let dropDb: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const db = await createPostgresDatabase();
    dropDb = db.drop;
    const opts = { databaseUrl: db.url, env: { AGENTD_API_KEY: TEST_API_KEY, ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: 'sk-model' } };
    replicas.push(await startReplica('a', opts));
    replicas.push(await startReplica('b', opts));
    proxy = await startRoundRobinProxy(replicas.map((r) => r.url));
  }, 120_000);
  afterAll(async () => {
    await proxy?.close();
    await stopReplicas(replicas);
    replicas = [];
    await dropDb?.();
  });

  it('work offered through A is claimed and answered through B as well, and the turn ends', async () => {
    const a = replicas[0]!;
    const env = await a.client.beta.environments.create({ name: `replicas-self-hosted-${Date.now()}`, config: { type: 'self_hosted' } });
    const agent = await a.client.beta.agents.create({ name: 'replicas-self-hosted', model: 'claude-sonnet-4-6', tools: [{ type: 'agent_toolset_20260401' }] });
    const session = await a.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    const key = await keyFromCli(a.url, env.id);
    const { worker, workdir } = workers.start(proxy!.url, env.id, key);

    fake.enqueue(
      { content: [{ type: 'tool_use', name: 'write', input: { file_path: 'across.txt', content: 'written across replicas\n' } }] },
      { content: [{ type: 'tool_use', name: 'bash', input: { command: 'cat across.txt' } }] },
      { content: [{ type: 'tool_use', name: 'read', input: { file_path: 'across.txt' } }] },
      { content: [{ type: 'text', text: 'Done on two replicas.' }] },
    );
    await sendText(a.client, session.id, 'Write across.txt, cat it, read it.');
    const events = await waitSettled(a.client, session.id, 90_000);

    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    expect(fs.readFileSync(path.join(workdir, 'across.txt'), 'utf8')).toBe('written across replicas\n');
    const results = toolResults(events);
    expect(results.map((r) => r.is_error)).toEqual([false, false, false]);
    expect(textOf(results[1]!)).toContain('written across replicas');
    expect(textOf(results[2]!)).toContain('written across replicas');
    // Everything through the proxy is the worker's. The poll that handed it the item and the ack
    // that claimed it are consecutive requests, so they went to different replicas.
    const ack = proxy!.routed.findIndex((r) => r.path.endsWith('/ack'));
    expect(proxy!.routed[ack - 1]!.path).toContain(`/environments/${env.id}/work/poll`);
    expect(proxy!.routed[ack - 1]!.upstream).not.toBe(proxy!.routed[ack]!.upstream);
    // Its three tool results were posted through the proxy, and the engine running the turn (on
    // whichever replica holds the lease) heard each of them.
    const posted = proxy!.routed.filter((r) => r.method === 'POST' && r.path.endsWith(`/sessions/${session.id}/events`));
    expect(posted).toHaveLength(3);
    expect(new Set(proxy!.routed.map((r) => r.upstream)).size).toBe(2);

    killGroup(worker, 'SIGTERM');
    await worker.exited;
  });
});

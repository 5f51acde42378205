// Failover and fencing between three real replicas on one PostgreSQL database: the lease holder
// SIGKILLed mid-tool has its turn finished by another replica without the tool running again, and
// a holder stalled past its lease (SIGSTOP) writes nothing once revived (SIGCONT).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type Anthropic from '@anthropic-ai/sdk';
import { useFakeAnthropic } from '../helpers/use.js';
import { replicaCluster, shortLeaseEnv, type Replica } from '../helpers/replicas.js';
import { sendText, waitSettled, type StreamEvent } from '../helpers/turns.js';
import { until } from '../helpers/self-hosted.js';

const KEY = 'sk-failover-test';

describe.skipIf(!process.env.AGENTD_TEST_DATABASE_URL)('replicas: failover and fencing (postgres)', () => {
  const fake = useFakeAnthropic();
  const cluster = replicaCluster(['a', 'b', 'c'], () => shortLeaseEnv(KEY, fake.url));
  const replicas = cluster.replicas;

  async function newSession(client: Anthropic) {
    const agent = await client.beta.agents.create({ name: `failover-${Date.now()}`, model: 'claude-sonnet-4-6', tools: [{ type: 'agent_toolset_20260401' }] });
    const env = await client.beta.environments.create({ name: `failover-env-${Date.now()}-${Math.random()}` });
    return client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
  }

  /** The replica whose engine holds the session's lease now. */
  async function holder(sessionId: string): Promise<Replica | undefined> {
    const { rows } = await cluster.db().query('SELECT lease_owner FROM sessions WHERE id = $1', [sessionId]);
    const owner = rows[0]?.lease_owner as string | null | undefined;
    return replicas.find((r) => owner && fs.readFileSync(path.join(r.dataDir, 'engine-id'), 'utf8').trim() === owner);
  }

  const ranFile = (r: Replica, sessionId: string) => path.join(r.dataDir, 'ws', sessionId, 'workspace', 'ran.txt');

  it('SIGKILL of the lease holder mid-tool: another replica finishes the turn and the tool never runs again', async () => {
    const session = await newSession(replicas[0]!.client);
    fake.enqueue(
      { content: [{ type: 'tool_use', id: 'toolu_killed', name: 'bash', input: { command: 'echo started >> ran.txt; sleep 3' } }] },
      { content: [{ type: 'text', text: 'Finished on another replica.' }] },
    );
    await sendText(replicas[0]!.client, session.id, 'run the slow thing');
    const victim = await until('a replica running the tool', async () => {
      const h = await holder(session.id);
      return h && fs.existsSync(ranFile(h, session.id)) ? h : undefined;
    });
    await victim.kill('SIGKILL');
    const survivor = replicas.find((r) => r !== victim)!;

    const events = await waitSettled(survivor.client, session.id, 60_000);
    const results = events.filter((e) => e.type === 'agent.tool_result');
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ is_error: true });
    expect(events.filter((e) => e.type === 'user.message')).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    expect(events.find((e) => e.type === 'agent.message')).toMatchObject({ content: [{ text: 'Finished on another replica.' }] });
    // The tool ran once, on the killed replica, and on no other.
    expect(fs.readFileSync(ranFile(victim, session.id), 'utf8')).toBe('started\n');
    for (const r of replicas.filter((x) => x !== victim)) expect(fs.existsSync(ranFile(r, session.id))).toBe(false);
    expect((await holder(session.id)) ?? 'released').not.toBe(victim);
    await victim.start();
  });

  it('a holder stalled past its lease (SIGSTOP) writes nothing once revived (SIGCONT)', async () => {
    const session = await newSession(replicas[0]!.client);
    fake.enqueue(
      { content: [{ type: 'tool_use', id: 'toolu_stalled', name: 'bash', input: { command: 'echo started >> ran.txt; sleep 1; echo done' } }] },
      { content: [{ type: 'text', text: 'Taken over.' }] },
    );
    await sendText(replicas[0]!.client, session.id, 'run it');
    const stalled = await until('a replica running the tool', async () => {
      const h = await holder(session.id);
      return h && fs.existsSync(ranFile(h, session.id)) ? h : undefined;
    });
    stalled.proc!.child.kill('SIGSTOP');
    const other = replicas.find((r) => r !== stalled)!;
    let settled: StreamEvent[];
    try {
      // Its lease lapses; another replica takes the session over and ends the turn.
      settled = await waitSettled(other.client, session.id, 60_000);
      expect((await holder(session.id)) ?? 'released').not.toBe(stalled);
    } finally {
      stalled.proc!.child.kill('SIGCONT');
    }
    // Revived, the stalled runner finds its tool finished and tries to record the result: refused.
    await until('the revived runner to be fenced off', () => (stalled.proc!.output().includes('the lease was taken over by another runner') ? true : undefined));
    const after = (await other.client.beta.sessions.events.list(session.id)).data as StreamEvent[];
    expect(after.map((e) => (e as { id: string }).id)).toEqual(settled.map((e) => (e as { id: string }).id));
    expect(after.filter((e) => e.type === 'agent.tool_result')).toHaveLength(1);
  });
});

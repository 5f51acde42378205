// Three real replicas behind a round-robin load balancer with no sticky sessions (the proxy in
// test/helpers/round-robin-proxy.ts, SSE passed through): a client that knows only the proxy's URL
// creates an agent and a session, streams, sends and sees each turn end, every request of it landing
// on whichever replica is next. This is the tested example of docs/scaling.md.
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useFakeAnthropic } from '../helpers/use.js';
import { replicaDatabase, startReplica } from '../helpers/replicas.js';
import { startRoundRobinProxy, type RoundRobinProxy } from '../helpers/round-robin-proxy.js';
import { StreamReader } from '../helpers/stream.js';
import { isTerminal, sendText, waitSettled, type StreamEvent } from '../helpers/turns.js';

const KEY = 'sk-load-balancer-test';
const ids = (events: readonly StreamEvent[]) => events.map((e) => (e as { id: string }).id);

describe.skipIf(!process.env.AGENTD_TEST_DATABASE_URL)('replicas: three behind a round-robin load balancer (postgres)', () => {
  const fake = useFakeAnthropic();
  const database = replicaDatabase();
  let proxy: RoundRobinProxy | undefined;
  let client: Anthropic;

  beforeAll(async () => {
    const opts = { databaseUrl: database.url(), env: { AGENTD_API_KEY: KEY, ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: 'sk-model' } };
    // The first replica migrates the fresh database; the others start on it together.
    database.replicas.push(await startReplica('a', opts));
    database.replicas.push(...(await Promise.all([startReplica('b', opts), startReplica('c', opts)])));
    proxy = await startRoundRobinProxy(database.replicas.map((r) => r.url));
    client = new Anthropic({ baseURL: proxy.url, apiKey: KEY, maxRetries: 0 });
  }, 120_000);
  afterAll(async () => {
    await proxy?.close();
  });

  it('a client of the proxy only: agent, session, stream, two turns (one with a tool), each ends', async () => {
    const agent = await client.beta.agents.create({ name: 'behind-a-balancer', model: 'claude-sonnet-4-6', tools: [{ type: 'agent_toolset_20260401' }] });
    const env = await client.beta.environments.create({ name: `balanced-${Date.now()}` });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    const stream = await client.beta.sessions.events.stream(session.id);
    const reader = new StreamReader(stream);
    let seen: StreamEvent[];
    try {
      fake.enqueue({ content: [{ type: 'text', text: 'answered behind a balancer' }] });
      await sendText(client, session.id, 'first');
      const first = (await reader.until(isTerminal, 30_000)) as StreamEvent[];
      expect(first.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });

      fake.enqueue(
        { content: [{ type: 'tool_use', id: 'toolu_balanced', name: 'bash', input: { command: 'echo tool ran' } }] },
        { content: [{ type: 'text', text: 'the tool ran' }] },
      );
      await sendText(client, session.id, 'second');
      const second = (await reader.until(isTerminal, 30_000)) as StreamEvent[];
      expect(second.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
      seen = [...first, ...second];
    } finally {
      stream.controller.abort();
    }

    // The stream (held open on one replica) carried the whole log once, in order.
    const logged = await waitSettled(client, session.id, 30_000);
    expect(ids(seen)).toEqual(ids(logged));
    expect(seen.filter((e) => e.type === 'agent.message')).toHaveLength(2);
    const result = seen.find((e) => e.type === 'agent.tool_result');
    expect(result).toMatchObject({ is_error: false });
    expect(JSON.stringify(result)).toContain('tool ran');
    // Every replica served some of this client's requests.
    expect(new Set(proxy!.routed.map((r) => r.upstream))).toEqual(new Set(database.replicas.map((r) => r.url)));
    const stream0 = proxy!.routed.find((r) => r.path.endsWith('/events/stream'))!;
    const sends = proxy!.routed.filter((r) => r.method === 'POST' && r.path.endsWith(`/sessions/${session.id}/events`));
    expect(sends).toHaveLength(2);
    expect(sends.some((r) => r.upstream !== stream0.upstream)).toBe(true);
  });
});

// Three real `agentd serve` replicas on one PostgreSQL database: a stream on one replica carries
// every event committed by the others, in order and once, and Last-Event-ID resume works when the
// client moves from one replica to another; a session changed through one replica (its budget
// raised) is read again by the runner another replica holds.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Anthropic from '@anthropic-ai/sdk';
import { useFakeAnthropic } from '../helpers/use.js';
import { createPostgresDatabase } from '../helpers/databases.js';
import { startReplica, stopReplicas, type Replica } from '../helpers/replicas.js';
import { StreamReader } from '../helpers/stream.js';
import { isTerminal, sendText, waitSettled, type StreamEvent } from '../helpers/turns.js';
import { until } from '../helpers/self-hosted.js';
import { LISTENER_NAME } from '../../src/store/postgres/pg-listener.js';

const KEY = 'sk-replicas-test';
/** Durable events all have ids (deltas, which have none, are not asked for here). */
const ids = (events: readonly StreamEvent[]) => events.map((e) => (e as { id: string }).id);

describe.skipIf(!process.env.AGENTD_TEST_DATABASE_URL)('replicas: events across processes (postgres)', () => {
  const fake = useFakeAnthropic();
  let replicas: Replica[] = [];
  let dropDb: (() => Promise<void>) | undefined;
  let databaseUrl: string;
  const a = () => replicas[0]!;
  const b = () => replicas[1]!;
  const c = () => replicas[2]!;

  beforeAll(async () => {
    const db = await createPostgresDatabase();
    dropDb = db.drop;
    databaseUrl = db.url;
    const opts = { databaseUrl: db.url, env: { AGENTD_API_KEY: KEY, ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: 'sk-model' } };
    // The first replica migrates the fresh database; the others start on it together.
    replicas.push(await startReplica('a', opts));
    replicas.push(...(await Promise.all([startReplica('b', opts), startReplica('c', opts)])));
  }, 120_000);
  afterAll(async () => {
    await stopReplicas(replicas);
    replicas = [];
    await dropDb?.();
  });

  async function newSession(client: Anthropic) {
    const agent = await client.beta.agents.create({ name: `replicas-${Date.now()}`, model: 'claude-sonnet-4-6' });
    const env = await client.beta.environments.create({ name: `replicas-env-${Date.now()}-${Math.random()}` });
    return client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
  }

  it('a stream on B carries the turns sent on A and on C, in order and once', async () => {
    const session = await newSession(a().client);
    const stream = await b().client.beta.sessions.events.stream(session.id);
    const reader = new StreamReader(stream);
    try {
      fake.enqueue({ content: [{ type: 'text', text: 'first answer' }] });
      await sendText(a().client, session.id, 'sent on A');
      const first = await reader.until(isTerminal, 30_000);
      fake.enqueue({ content: [{ type: 'text', text: 'second answer' }] });
      await sendText(c().client, session.id, 'sent on C');
      const second = await reader.until(isTerminal, 30_000);
      const seen = [...first, ...second] as StreamEvent[];

      const logged = await waitSettled(c().client, session.id, 30_000);
      // Everything the log holds since the stream opened, exactly once and in log order.
      expect(ids(seen)).toEqual(ids(logged));
      expect(seen.filter((e) => e.type === 'user.message').map((e) => JSON.stringify(e.content))).toEqual([
        JSON.stringify([{ type: 'text', text: 'sent on A' }]),
        JSON.stringify([{ type: 'text', text: 'sent on C' }]),
      ]);
      expect(seen.filter((e) => e.type === 'agent.message')).toHaveLength(2);
    } finally {
      stream.controller.abort();
    }
  });

  it('Last-Event-ID resume moves from A to C with nothing lost or repeated', async () => {
    const session = await newSession(a().client);
    // A slow answer: the turn keeps committing while the client moves.
    fake.enqueue({ content: [{ type: 'text', text: 'slow '.repeat(60) }], chunkDelayMs: 20 });
    const onA = await a().client.beta.sessions.events.stream(session.id, {}, { headers: { 'Last-Event-ID': '0' } });
    const readerA = new StreamReader(onA);
    await sendText(b().client, session.id, 'move with me');
    const before = (await readerA.until((e) => e.type === 'span.model_request_start', 30_000)) as StreamEvent[];
    onA.controller.abort();

    // Sequence numbers start at 1 and a stream from 0 carries each event of this session's log.
    const onC = await c().client.beta.sessions.events.stream(session.id, {}, { headers: { 'Last-Event-ID': String(before.length) } });
    let after: StreamEvent[];
    try {
      after = (await new StreamReader(onC).until(isTerminal, 30_000)) as StreamEvent[];
    } finally {
      onC.controller.abort();
    }
    const logged = await waitSettled(a().client, session.id, 30_000);
    expect(ids([...before, ...after])).toEqual(ids(logged));
    expect(after.length).toBeGreaterThan(0);
  });

  it('a stream catches up on what was committed while the listening connection of its replica was down', async () => {
    const session = await newSession(a().client);
    const stream = await b().client.beta.sessions.events.stream(session.id);
    const reader = new StreamReader(stream);
    try {
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      try {
        // Every replica's LISTEN connection (named by its application_name) is cut.
        const cut = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1', [LISTENER_NAME]);
        expect(cut.rowCount).toBe(3);
      } finally {
        await admin.end();
      }
      // Committed at once: before the listeners are back (they retry after 100 ms).
      fake.enqueue({ content: [{ type: 'text', text: 'answered across a reconnect' }] });
      await sendText(a().client, session.id, 'sent while B was deaf');
      const seen = (await reader.until(isTerminal, 30_000)) as StreamEvent[];
      const logged = await waitSettled(a().client, session.id, 30_000);
      expect(ids(seen)).toEqual(ids(logged));
    } finally {
      stream.controller.abort();
    }
  });

  it('a budget raised through B while A runs the turn applies to its next model call (A reads the session again)', async () => {
    const agent = await a().client.beta.agents.create({ name: `replicas-budget-${Date.now()}`, model: 'claude-opus-4-8', tools: [{ type: 'agent_toolset_20260401' }] });
    const env = await a().client.beta.environments.create({ name: `replicas-budget-env-${Date.now()}-${Math.random()}` });
    const session = await a().client.beta.sessions.create({
      agent: agent.id,
      environment_id: env.id,
      budget: { type: 'limit', max_list_cost: { amount: '100', currency: 'USD' } },
    });
    // $5 / $25 per million tokens: the first call spends $1.50 of the $1.00 and asks for a tool, which still runs.
    const usage = { input_tokens: 100_000, output_tokens: 40_000 };
    fake.enqueue(
      { content: [{ type: 'tool_use', id: 'toolu_budget', name: 'bash', input: { command: 'sleep 1.5; echo slept' } }], usage },
      { content: [{ type: 'text', text: 'went on' }], usage },
    );
    // Sent on A: A's engine runs the turn.
    await sendText(a().client, session.id, 'go');
    await until('the tool call', async () => ((await a().client.beta.sessions.events.list(session.id)).data.some((e) => e.type === 'agent.tool_use') ? true : undefined));
    await b().client.beta.sessions.update(session.id, { budget: { type: 'limit', max_list_cost: { amount: '1000', currency: 'USD' } } });
    const events = await waitSettled(c().client, session.id, 30_000);
    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    expect(JSON.stringify(events.filter((e) => e.type === 'agent.message'))).toContain('went on');
  });
});

// Engines hear only what concerns them (issue 14): three real replicas on one PostgreSQL database,
// with a lease and sweep so long (60 s) that no turn here can have been started by a sweep. Input
// sent to one replica starts the turn on another at once, also input sent the moment the previous
// turn ended (while its runner may still hold the lease); a replica with no stream of a session
// reads none of its commits; one engine, not all, tries to take a session's lease.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useFakeAnthropic } from '../helpers/use.js';
import { createPostgresDatabase } from '../helpers/databases.js';
import { startReplica, stopReplicas, type Replica } from '../helpers/replicas.js';
import { scrape } from '../helpers/prometheus.js';
import { StreamReader } from '../helpers/stream.js';
import { isTerminal, sendText } from '../helpers/turns.js';

const KEY = 'sk-wake-test';
const SESSIONS = 6;
/** Well under the sweep interval: a turn that ends within it was started by the bus. */
const TURN_TIMEOUT_MS = 20_000;

describe.skipIf(!process.env.AGENTD_TEST_DATABASE_URL)('replicas: engines hear only what concerns them (postgres)', () => {
  const fake = useFakeAnthropic();
  let replicas: Replica[] = [];
  let dropDb: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    const db = await createPostgresDatabase();
    dropDb = db.drop;
    const env = { AGENTD_API_KEY: KEY, ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: 'sk-model', AGENTD_LEASE_MS: '60000', AGENTD_LEASE_SWEEP_MS: '60000' };
    replicas.push(await startReplica('a', { databaseUrl: db.url, env }));
    replicas.push(...(await Promise.all([startReplica('b', { databaseUrl: db.url, env }), startReplica('c', { databaseUrl: db.url, env })])));
  }, 120_000);
  afterAll(async () => {
    await stopReplicas(replicas);
    replicas = [];
    await dropDb?.();
  });

  const metrics = async (r: Replica) => (await scrape(r.url, { 'x-api-key': KEY })).scrape;

  it('input sent on B starts the turn at once whichever engine is preferred; C, with no stream, reads nothing', async () => {
    const [a, b, c] = replicas as [Replica, Replica, Replica];
    const agent = await a.client.beta.agents.create({ name: 'wake', model: 'claude-sonnet-4-6' });
    const environment = await a.client.beta.environments.create({ name: `wake-env-${Date.now()}` });
    // Several sessions: rendezvous hashing spreads them over the three engines.
    const sessions = await Promise.all(Array.from({ length: SESSIONS }, () => a.client.beta.sessions.create({ agent: agent.id, environment_id: environment.id })));
    const cBefore = await metrics(c);

    for (const session of sessions) {
      const stream = await a.client.beta.sessions.events.stream(session.id);
      const reader = new StreamReader(stream);
      try {
        for (const text of ['first', 'second, sent the moment the first ended']) {
          fake.enqueue({ content: [{ type: 'text', text: `answer to ${text}` }] });
          await sendText(b.client, session.id, text);
          const events = await reader.until(isTerminal, TURN_TIMEOUT_MS);
          expect(events.find((e) => e.type === 'agent.message')).toMatchObject({ content: [{ text: `answer to ${text}` }] });
        }
      } finally {
        stream.controller.abort();
      }
    }

    const after = await Promise.all(replicas.map(metrics));
    const cAfter = after[2]!;
    // C heard every commit of these sessions (it may run some of them) but read none: it has no stream.
    expect(cAfter.value('agentd_bus_notifications_total')).toBeGreaterThan(cBefore.value('agentd_bus_notifications_total'));
    expect(cAfter.value('agentd_bus_reads_total')).toBe(cBefore.value('agentd_bus_reads_total'));
    // A reads for its streams the commits of the sessions other engines run.
    expect(after[0]!.value('agentd_bus_reads_total')).toBeGreaterThan(0);
    // Each turn was started by one engine: at most one acquisition per turn (a runner that finds the
    // next input queued keeps its lease), and next to no attempt lost to another engine holding the
    // lease (every engine trying would lose about two per turn here).
    const acquired = after.reduce((n, m) => n + m.value('agentd_engine_lease_attempts_total', { outcome: 'acquired' }), 0);
    const lost = after.reduce((n, m) => n + m.value('agentd_engine_lease_attempts_total', { outcome: 'held_elsewhere' }), 0);
    expect(acquired).toBeGreaterThanOrEqual(SESSIONS);
    expect(acquired).toBeLessThanOrEqual(2 * SESSIONS);
    expect(lost).toBeLessThanOrEqual(1);
    // The turns ran on more than one engine (the preference spreads sessions; with six sessions over
    // three engines all landing on one happens with probability 3 / 3^6).
    expect(after.filter((m) => m.value('agentd_engine_lease_attempts_total', { outcome: 'acquired' }) > 0).length).toBeGreaterThan(1);
  }, 180_000);
});

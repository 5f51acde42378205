// Exactly once: a scheduled instant produces one run across a restart over its fire time, with
// two servers on one PostgreSQL database (both woken by the same manual clock), and when a clock
// stepped back puts the cursor on an instant that already ran.
import type Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WORKSPACE_ID } from '../../src/store/workspace.js';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment, userMessage } from '../helpers/fixtures.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { useServer } from '../helpers/use.js';

async function hourly(client: Anthropic, expression = '0 * * * *') {
  const agent = await createAgent(client);
  const env = await createEnvironment(client);
  return client.beta.deployments.create({
    name: 'monitor',
    agent: agent.id,
    environment_id: env.id,
    initial_events: [userMessage('check the dashboards')],
    schedule: { type: 'cron', expression, timezone: 'UTC' },
  });
}

async function scheduledAt(client: Anthropic, deploymentId: string): Promise<string[]> {
  const out: string[] = [];
  for await (const r of client.beta.deploymentRuns.list({ deployment_id: deploymentId, trigger_type: 'schedule', limit: 100 })) {
    expect(r.session_id).toMatch(/^sesn_/);
    out.push((r.trigger_context as { scheduled_at: string }).scheduled_at);
  }
  return out.sort();
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Real time for every scheduler to finish a pass on the current clock (they look again at least every poll). */
const settle = () => new Promise((r) => setTimeout(r, 300));

describe.each(dialects())('a restart across a fire time (%s)', (dialect) => {
  const clock = new ManualClock(Date.parse('2026-06-01T09:30:00.000Z'));
  const t = useServer(dialect, { clock });

  it('fires the missed instant once when the server comes back inside the catch-up window', async () => {
    const d = await hourly(t.client);
    await t.server.close(); // down across 10:00
    clock.set('2026-06-01T10:07:00.000Z');
    await t.restart();
    await until('the caught-up run', async () => (await scheduledAt(t.client, d.id)).length === 1);
    await t.restart();
    await settle();
    expect(await scheduledAt(t.client, d.id)).toEqual(['2026-06-01T10:00:00.000Z']);
    expect((await t.client.beta.deployments.retrieve(d.id)).schedule?.upcoming_runs_at?.[0]).toBe('2026-06-01T11:00:00.000Z');
  });

  it('skips instants older than the catch-up window, firing only the latest one inside it', async () => {
    const d = await hourly(t.client);
    await t.server.close(); // down from 10:07 to 14:30: 11:00-14:00 missed; window is one hour
    clock.set('2026-06-01T14:30:00.000Z');
    await t.restart();
    await until('the caught-up run', async () => (await scheduledAt(t.client, d.id)).length === 1);
    await settle();
    expect(await scheduledAt(t.client, d.id)).toEqual(['2026-06-01T14:00:00.000Z']);
  });
});

describe.each(dialects())('a cursor on an instant that already ran (%s)', (dialect) => {
  const clock = new ManualClock(Date.parse('2026-06-01T09:59:30.000Z'));
  const t = useServer(dialect, { clock });
  const cursor = async (id: string) => (await t.server.store.deployments.get(DEFAULT_WORKSPACE_ID, id))?.nextFireAt;

  it('is moved past that instant, not retried without sleeping until the next one', async () => {
    const schedule = { type: 'cron' as const, expression: '0 10 * * *', timezone: 'UTC' };
    const d = await hourly(t.client, schedule.expression);
    clock.set('2026-06-01T10:00:00.700Z');
    await until('the 10:00 run', async () => (await scheduledAt(t.client, d.id)).length === 1);
    expect(await cursor(d.id)).toBe('2026-06-02T10:00:00.000Z');

    // The clock steps back 800 ms (NTP; or another replica's clock is behind): an update with a
    // schedule restarts the cursor at "the next instant after now", which is the 10:00 that ran.
    clock.stepBack(800);
    await t.client.beta.deployments.update(d.id, { schedule });
    expect(await cursor(d.id)).toBe('2026-06-01T10:00:00.000Z');

    const sleeps = clock.sleeps;
    clock.set('2026-06-01T10:00:02.000Z'); // past the scheduler's sleep: it finds 10:00 due
    await settle();
    expect.soft(await cursor(d.id)).toBe('2026-06-02T10:00:00.000Z');
    // No busy loop: with the clock standing still the servers sleep pollMs, so a few passes at
    // most; with the cursor left on 10:00 the scheduler slept 0 ms, pass after failed pass.
    expect.soft(clock.sleeps - sleeps).toBeLessThan(10);
    expect(await scheduledAt(t.client, d.id)).toEqual(['2026-06-01T10:00:00.000Z']);

    // The next instant fires as usual.
    clock.set('2026-06-02T10:00:00.500Z');
    await until('the next day\'s run', async () => (await scheduledAt(t.client, d.id)).length === 2);
    expect(await scheduledAt(t.client, d.id)).toEqual(['2026-06-01T10:00:00.000Z', '2026-06-02T10:00:00.000Z']);
  });
});

describe.skipIf(!dialects().includes('postgres'))('two servers on one PostgreSQL database', () => {
  const clock = new ManualClock(Date.parse('2026-06-01T09:58:30.000Z'));
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer('postgres', { clock });
    b = await startTestServer('postgres', { clock, databaseUrl: a.databaseUrl! });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('fire each scheduled instant exactly once', async () => {
    const deployments = await Promise.all([hourly(a.client, '* * * * *'), hourly(b.client, '* * * * *'), hourly(a.client, '* * * * *')]);
    const instants: string[] = [];
    for (let minute = 0; minute < 5; minute++) {
      const instant = new Date(Date.parse('2026-06-01T09:59:00.000Z') + minute * 60_000).toISOString();
      instants.push(instant);
      await clock.untilSleeping(2); // both schedulers wait on the clock, so both wake for the instant
      clock.set(instant);
      for (const d of deployments) {
        await until(`${d.id} at ${instant}`, async () => (await scheduledAt(a.client, d.id)).includes(instant));
      }
    }
    await settle();
    for (const d of deployments) {
      expect(await scheduledAt(b.client, d.id)).toEqual(instants);
    }
  });
});

// Message Batches when parts fail: a database error while recording a success, a replica that stops holding a
// request of a canceled batch, and a node that serves the API only (AGENTD_ENGINE=off).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Anthropic from '@anthropic-ai/sdk';
import { dialects, testPool } from '../helpers/databases.js';
import { batchEnded, eventually, gate } from '../helpers/gateway.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestServer } from '../helpers/server.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';

const MODEL = 'claude-haiku-4-5';
const postgres = dialects().includes('postgres');

const batchRequest = (i: number) => ({
  custom_id: `request-${i}`,
  params: { model: MODEL, max_tokens: 32, messages: [{ role: 'user' as const, content: `request-${i}` }] },
});


const ended = (client: Anthropic, id: string, timeoutMs = 20_000) => batchEnded(client, id, timeoutMs);

async function resultsOf(client: Anthropic, id: string): Promise<Anthropic.Messages.MessageBatchIndividualResponse[]> {
  const out: Anthropic.Messages.MessageBatchIndividualResponse[] = [];
  for await (const line of await client.messages.batches.results(id)) out.push(line);
  return out;
}

describe.skipIf(!postgres)('gateway: Message Batches on PostgreSQL faults', () => {
  const fake = useFakeAnthropic();
  const t = useServer('postgres', () => ({ model: fake }));
  let pool: ReturnType<typeof testPool>;
  beforeAll(() => {
    pool = testPool(t.databaseUrl!, 2);
  });
  afterAll(async () => {
    await pool.end();
  });

  /** Backends of the server blocked on a lock while updating the batch's request rows. */
  const lockWaiters = async () =>
    (
      await pool.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
           AND wait_event_type = 'Lock' AND query ILIKE '%update%message_batch_requests%'`,
      )
    ).rows.map((r) => r.pid);

  it('a connection lost while recording a success: the result is still the message, sent once and in the ledger once', async () => {
    const held = gate();
    let sent = 0;
    fake.setResponder(async () => {
      sent++;
      await held.opened;
      return { content: [{ type: 'text', text: 'the answer' }], usage: { input_tokens: 10, output_tokens: 5 } };
    });
    const locker = await pool.connect();
    try {
      const batch = await t.client.messages.batches.create({ requests: [batchRequest(0)] });
      await eventually('the request upstream', async () => (sent === 1 ? true : undefined));
      // Hold the request's row, so recording the answer waits on the lock; then cut that connection (as a database
      // failover or a proxy does), which fails the server's finish with a real connection error.
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM message_batch_requests WHERE batch_id = $1 FOR UPDATE', [batch.id]);
      held.open();
      const [victim] = await eventually('the result write to wait on the lock', async () => ((await lockWaiters()).length ? lockWaiters() : undefined));
      await pool.query('SELECT pg_terminate_backend($1)', [victim]);
      // The server writes again on a new connection (blocked on the lock too) before the lock goes.
      await eventually('a second write after the lost connection', async () => {
        const pids = await lockWaiters();
        return pids.some((p) => p !== victim) ? true : undefined;
      });
      await locker.query('ROLLBACK');

      const done = await ended(t.client, batch.id);
      expect(done.request_counts).toEqual({ processing: 0, succeeded: 1, errored: 0, canceled: 0, expired: 0 });
      const [result] = await resultsOf(t.client, batch.id);
      expect(result?.result.type).toBe('succeeded');
      if (result?.result.type === 'succeeded') expect(result.result.message.content).toEqual([{ type: 'text', text: 'the answer' }]);
      expect(sent).toBe(1);
      const ledger = await eventually('the ledger row', async () => {
        const rows = (await pool.query<{ outcome: string }>('SELECT outcome FROM usage_ledger WHERE batch_id = $1', [batch.id])).rows;
        return rows.length ? rows : undefined;
      });
      await new Promise((r) => setTimeout(r, 300)); // a second row would have been flushed by now
      expect((await pool.query('SELECT outcome FROM usage_ledger WHERE batch_id = $1', [batch.id])).rows).toEqual(ledger);
      expect(ledger).toHaveLength(1);
    } finally {
      await locker.query('ROLLBACK').catch(() => {});
      locker.release();
      held.open();
      fake.setResponder(undefined);
    }
  });

  it('cancel: a request whose replica stopped while sending it is canceled once its lease lapses', async () => {
    const clock = new ManualClock();
    const held = gate();
    let sent = 0;
    fake.setResponder(async () => {
      sent++;
      await held.opened;
      return { content: [{ type: 'text', text: 'never delivered' }] };
    });
    // Two replicas on one database (own data dirs, so own owner ids), on one clock the test moves.
    const gone = await startTestServer('postgres', { model: fake, clock });
    const survivor = await startTestServer('postgres', { model: fake, clock, databaseUrl: gone.databaseUrl! });
    try {
      const batch = await gone.client.messages.batches.create({ requests: [batchRequest(0), batchRequest(1)] });
      await eventually('both requests upstream', async () => (sent === 2 ? true : undefined));
      // The replica goes away for good with both requests leased to it (a shutdown leaves them for its next start).
      await gone.server.close();

      const canceling = await survivor.client.messages.batches.cancel(batch.id);
      expect(canceling.processing_status).toBe('canceling');
      // While their lease holds they may still be in flight: they are left to finish.
      await new Promise((r) => setTimeout(r, 300));
      expect((await survivor.client.messages.batches.retrieve(batch.id)).request_counts.processing).toBe(2);

      clock.advance(61_000); // past the 60 s batch lease; the survivor's sweep (every 5 s) drives the batch
      const done = await ended(survivor.client, batch.id, 15_000);
      expect(done.request_counts).toEqual({ processing: 0, succeeded: 0, errored: 0, canceled: 2, expired: 0 });
      expect((await resultsOf(survivor.client, batch.id)).map((r) => r.result)).toEqual([{ type: 'canceled' }, { type: 'canceled' }]);
      expect(sent).toBe(2);
    } finally {
      held.open();
      fake.setResponder(undefined);
      await survivor.close();
      await gone.close();
    }
  }, 30_000);
});

describe.each(dialects())('gateway: Message Batches when a call outlives its lease (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const clock = new ManualClock();
  const t = useServer(dialect, () => ({ model: fake, clock }));

  it('the request is not sent a second time by the process still sending it', async () => {
    const held = gate();
    let sent = 0;
    fake.setResponder(async () => {
      sent++;
      await held.opened;
      return { content: [{ type: 'text', text: 'the only answer' }] };
    });
    try {
      const batch = await t.client.messages.batches.create({ requests: [batchRequest(0)] });
      await eventually('the request upstream', async () => (sent === 1 ? true : undefined));
      // The call is still under way when its lease lapses (renewals lost, a stalled process): the next sweep (every
      // 5 s) finds the request claimable again, by this same process.
      clock.advance(61_000);
      await new Promise((r) => setTimeout(r, 6_000));
      expect(sent).toBe(1);
      held.open();
      const done = await ended(t.client, batch.id);
      expect(done.request_counts.succeeded).toBe(1);
      expect(sent).toBe(1);
    } finally {
      held.open();
      fake.setResponder(undefined);
    }
  }, 30_000);
});

describe.each(dialects())('gateway: Message Batches on an API-only node (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake, env: { AGENTD_ENGINE: 'off' } }));

  it('AGENTD_ENGINE=off: the batch is accepted but nothing is sent; an engine node on the same database runs it', async () => {
    let sent = 0;
    fake.setResponder(async () => {
      sent++;
      return { content: [{ type: 'text', text: 'from the engine node' }] };
    });
    try {
      const batch = await t.client.messages.batches.create({ requests: [batchRequest(0)] });
      await new Promise((r) => setTimeout(r, 500));
      expect(sent).toBe(0);
      const waiting = await t.client.messages.batches.retrieve(batch.id);
      expect(waiting.processing_status).toBe('in_progress');
      expect(waiting.request_counts.processing).toBe(1);
      if (!t.databaseUrl) return; // SQLite: one process per database
      const engine = await startTestServer('postgres', { model: fake, databaseUrl: t.databaseUrl });
      try {
        const done = await ended(t.client, batch.id);
        expect(done.request_counts.succeeded).toBe(1);
        expect(sent).toBe(1);
      } finally {
        await engine.close();
      }
    } finally {
      fake.setResponder(undefined);
    }
  });
});

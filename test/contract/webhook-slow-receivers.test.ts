// Slow receivers against the dispatcher: an attempt ends at AGENTD_WEBHOOK_TIMEOUT_MS however the
// receiver trickles its answer, other endpoints are delivered meanwhile, and a delivery leased by
// another server's attempt does not make a dispatcher poll the database in a loop.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects, testPool } from '../helpers/databases.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { useServer } from '../helpers/use.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

type Events = Anthropic.Beta.Organization.WebhookCreateParams['enabled_events'];
const events = (...types: string[]) => types as unknown as Events;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Attempt {
  webhookId: string;
  startedAt: number;
  closedAt?: number;
}

/**
 * A real receiver on 127.0.0.1 that takes `finishAfterMs` to answer: the status line, then one
 * header byte every 200 ms (so the socket is never idle), unless the sender gives up first.
 */
async function startTricklingReceiver(finishAfterMs = 8000): Promise<{ url: string; attempts: Attempt[]; close(): Promise<void> }> {
  const attempts: Attempt[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req) => {
    req.resume();
    req.on('end', () => {
      const attempt: Attempt = { webhookId: String(req.headers['webhook-id']), startedAt: Date.now() };
      attempts.push(attempt);
      const socket = req.socket;
      socket.write('HTTP/1.1 200 OK\r\nx-slow: ');
      const timer = setInterval(() => {
        if (Date.now() - attempt.startedAt < finishAfterMs) return void socket.write('a');
        clearInterval(timer);
        socket.end('\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
      }, 200);
      socket.on('close', () => {
        clearInterval(timer);
        attempt.closedAt = Date.now();
      });
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    attempts,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

async function until<T>(what: string, timeoutMs: number, get: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const TIMEOUT_MS = 2500;

describe.each(dialects())('a receiver that trickles its answer (%s)', (dialect) => {
  let slow: Awaited<ReturnType<typeof startTricklingReceiver>>;
  let healthy: WebhookReceiver;
  beforeAll(async () => {
    slow = await startTricklingReceiver();
    healthy = await startWebhookReceiver();
  });
  afterAll(async () => {
    await slow.close();
    await healthy.close();
  });
  const t = useServer(dialect, {
    env: {
      AGENTD_WEBHOOK_PRIVATE_TARGETS: 'loopback',
      AGENTD_WEBHOOK_POLL_MS: '50',
      AGENTD_WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
      AGENTD_WEBHOOK_RETRY_BASE_MS: '60000',
      AGENTD_WEBHOOK_RETRY_MAX_MS: '60000',
    },
  });

  it('ends the attempt at AGENTD_WEBHOOK_TIMEOUT_MS and delivers to other endpoints meanwhile', async () => {
    const slowEndpoint = await t.client.beta.organization.webhooks.create({ url: slow.url, enabled_events: events('agent.created') });
    const okEndpoint = await t.client.beta.organization.webhooks.create({ url: healthy.url, enabled_events: events('environment.created') });
    await createAgent(t.client);
    const attempt = await until('the slow attempt', 5000, () => slow.attempts[0]);

    // While that attempt hangs, another endpoint's webhook goes out.
    const env = await createEnvironment(t.client);
    await healthy.waitFor(1, (d) => (JSON.parse(d.body) as { data: { id: string } }).data.id === env.id, TIMEOUT_MS - 500);
    expect(attempt.closedAt).toBeUndefined();

    // The trickle keeps the socket busy, yet the attempt ends at its deadline and is recorded as failed.
    await until('the slow attempt to end', 3 * TIMEOUT_MS, () => attempt.closedAt);
    expect(attempt.closedAt! - attempt.startedAt).toBeGreaterThanOrEqual(TIMEOUT_MS - 200);
    expect(attempt.closedAt! - attempt.startedAt).toBeLessThan(TIMEOUT_MS + 1500);
    const [row] = await until('the failure to be recorded', 3000, async () => {
      const rows = await t.server.store.webhooks.deliveriesOf(attempt.webhookId);
      return rows[0]?.attempts === 1 ? rows : undefined;
    });
    expect(row).toMatchObject({ state: 'pending', attempts: 1, lastError: `no answer within ${TIMEOUT_MS} ms`, leaseUntil: null });
    expect(slow.attempts).toHaveLength(1);
    await t.client.beta.organization.webhooks.delete(slowEndpoint.id);
    await t.client.beta.organization.webhooks.delete(okEndpoint.id);
  }, 20_000);
});

// Transactions committed in the test database, as PostgreSQL counts them (pg_stat_database; a
// backend reports at most once a second, so the window is a few seconds long).
describe.skipIf(!dialects().includes('postgres'))('a delivery leased by another server (postgres)', () => {
  const env = {
    AGENTD_WEBHOOK_PRIVATE_TARGETS: 'loopback',
    AGENTD_WEBHOOK_POLL_MS: '500',
    AGENTD_WEBHOOK_TIMEOUT_MS: '7000',
    AGENTD_WEBHOOK_RETRY_BASE_MS: '60000',
    AGENTD_WEBHOOK_RETRY_MAX_MS: '60000',
    AGENTD_SCHEDULER: 'off',
  };
  let slow: Awaited<ReturnType<typeof startTricklingReceiver>>;
  beforeAll(async () => {
    slow = await startTricklingReceiver();
  });
  afterAll(async () => slow.close());
  const a = useServer('postgres', { env });
  let b: TestServer | undefined;
  beforeAll(async () => {
    b = await startTestServer('postgres', { env, databaseUrl: a.databaseUrl! }); // a second server on the same database
  });
  afterAll(async () => b?.close());

  it('makes no dispatcher poll in a loop while the attempt is in flight', async () => {
    await a.client.beta.organization.webhooks.create({ url: slow.url, enabled_events: events('agent.created') });
    await createAgent(a.client);
    const attempt = await until('the attempt', 5000, () => slow.attempts[0]);
    const admin = testPool(process.env.AGENTD_TEST_DATABASE_URL!, 1);
    try {
      const name = new URL(a.databaseUrl!).pathname.slice(1);
      const commits = async () =>
        Number((await admin.query<{ n: string }>('select xact_commit as n from pg_stat_database where datname = $1', [name])).rows[0]!.n);
      await sleep(1000);
      const before = await commits();
      await sleep(4000);
      const after = await commits();
      expect(attempt.closedAt).toBeUndefined(); // the window was inside the attempt
      // Both servers look at most every AGENTD_WEBHOOK_POLL_MS (a pass is two statements); a
      // dispatcher that woke at the leased delivery's past next_attempt_at ran thousands.
      expect(after - before).toBeLessThan(150);
    } finally {
      await admin.end();
    }
  }, 30_000);
});

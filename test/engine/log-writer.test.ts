// Every engine write checks the session lease's fencing token (src/engine/log-writer.ts), whichever path it takes:
// the one-statement appends and marker updates, the one-statement write of the session's row (PostgreSQL), and the
// transaction for everything else, including a write that appends nothing. A write of the session's row computed
// from what the writer last wrote applies only while the row still holds that; otherwise it is made from the row as
// it is. Real stores on each dialect of the run.
import { afterAll, expect, it } from 'vitest';
import { noChanges, type LogChanges } from '../../src/domain/changes/log-changes.js';
import { UsageProduct, type UsageRecord } from '../../src/domain/records/usage.js';
import { LogWriter } from '../../src/engine/log-writer.js';
import { InProcessEventBus } from '../../src/events/event-bus.js';
import { EventLog } from '../../src/events/event-log.js';
import { LeaseLost } from '../../src/store/errors.js';
import type { Store } from '../../src/store/types.js';
import { newEvents, sessionRecord, WS } from '../store/fixtures.js';
import { describeOnStores, type TestStore } from '../helpers/test-stores.js';

const AT = '2026-12-06T00:00:00.000Z';
const later = (ms: number) => new Date(Date.parse(AT) + ms).toISOString();
let ids = 0;
const newId = (prefix: string) => `${prefix}_${++ids}`;

function suite(open: () => Promise<TestStore>) {
  let opened: { store: Store; cleanup: () => Promise<void> } | undefined;
  afterAll(async () => {
    await opened?.store.close();
    await opened?.cleanup();
  });

  it('refuses every kind of write once the lease has passed to another owner', async () => {
    opened ??= await open();
    const { store } = opened;
    const session = sessionRecord();
    await store.sessions.insert(session);
    const token = (await store.sessions.acquireLease(session.id, 'engine-a', later(0), later(10_000)))!;
    const log = new EventLog(store, new InProcessEventBus());
    const writer = new LogWriter(log, session.id, newId as never, () => ({ owner: 'engine-a', token }));
    const [event] = await writer.apply({ ...noChanges(AT), events: newEvents(1, 'agent.message') });
    expect(event?.seq).toBe(1);
    // Another replica takes the session over (the lease lapsed while this one was stalled).
    await store.sessions.releaseLease(session.id, 'engine-a', token);
    expect(await store.sessions.acquireLease(session.id, 'engine-b', later(20_000), later(30_000))).toBeDefined();
    const stale = [
      { ...noChanges(AT), events: newEvents(1, 'agent.message') },
      { ...noChanges(AT), internals: [{ id: event!.id, internal: { tool_use_id: 'toolu_1', kind: 'builtin' as const, started: true } }] },
      { ...noChanges(AT), threadStatus: 'idle' as const },
      { ...noChanges(AT), status: 'idle' as const },
    ];
    for (const changes of stale) await expect(writer.apply(changes)).rejects.toBeInstanceOf(LeaseLost);
    expect((await store.events.after(session.id, 0, 10)).map((e) => [e.seq, e.internal])).toEqual([[1, undefined]]);
  });

  /** A session under engine-a's lease for `leaseMs`, its writer (stores' one-statement answers observed), and a first write: running. */
  async function running(ms: number, leaseMs: number) {
    opened ??= await open();
    const { store, outcomes } = observed(opened.store);
    const session = sessionRecord(ms);
    await store.sessions.insert(session);
    const token = (await store.sessions.acquireLease(session.id, 'engine-a', later(0), later(leaseMs)))!;
    const writer = new LogWriter(new EventLog(store, new InProcessEventBus()), session.id, newId as never, () => ({ owner: 'engine-a', token }));
    await writer.apply({ ...noChanges(AT), status: 'running', events: newEvents(1, 'session.status_running') });
    return { store, outcomes, session, writer, token };
  }

  it('refuses a write of the session row computed from an earlier one once the lease has passed', async () => {
    const { store, outcomes, session, writer, token } = await running(1, 10_000);
    await store.sessions.releaseLease(session.id, 'engine-a', token);
    expect(await store.sessions.acquireLease(session.id, 'engine-b', later(20_000), later(30_000))).toBeDefined();
    await expect(writer.apply(modelCall(session.id, later(1_000), 300_000_000))).rejects.toBeInstanceOf(LeaseLost);
    const row = (await store.sessions.find(session.id))!;
    expect([row.lastSeq, row.runtime.listCostNanoUsd, row.usage]).toEqual([1, 0, {}]);
    expect((await store.usage.listBySession(row.workspaceId, session.id, { limit: 10, order: 'asc' })).items).toEqual([]);
    // PostgreSQL tried the one statement, which wrote nothing; elsewhere there is no such statement.
    expect(outcomes).toEqual(store.dialect === 'postgres' ? ['refused'] : []);
  });

  it("computes each write of the session's row from the row as it is, also after a change the writer did not make", async () => {
    const { store, outcomes, session, writer, token } = await running(2, 60_000);
    await writer.apply(modelCall(session.id, later(1_000), 300_000_000));
    await writer.apply(modelCall(session.id, later(2_000), 200_000_000));
    // The budget is set through the API meanwhile, and a call of an unpriced model: the next write starts from both.
    const budget = { type: 'limit' as const, max_list_cost: { amount: '5', currency: 'USD' as const } };
    const current = (await store.sessions.find(session.id))!;
    await store.sessions.update({ ...current, budget });
    await writer.apply(modelCall(session.id, later(3_000), null));
    await writer.apply({ ...noChanges(later(4_000)), status: 'idle', events: newEvents(1, 'session.status_idle') });

    const row = (await store.sessions.find(session.id))!;
    expect(row.status).toBe('idle');
    expect(row.usage).toMatchObject({ input_tokens: 300, output_tokens: 30 });
    expect(row.runtime).toEqual({ listCostNanoUsd: 500_000_000, unpricedCalls: 1, activeMs: 4_000, runningSince: null });
    const events = await store.events.after(session.id, 0, 20);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const snapshots = events.filter((e) => e.type === 'session.usage').map((e) => e.body as { usage: { list_cost: unknown }; budget: unknown });
    expect(snapshots.map((s) => s.budget)).toEqual([null, null, budget]);
    expect(row.lastSeq).toBe(events.length);
    expect((await store.usage.listBySession(row.workspaceId, session.id, { limit: 10, order: 'asc' })).items.map((c: UsageRecord) => c.listCostNanoUsd)).toEqual([300_000_000, 200_000_000, null]);
    // The rollups reports read moved with the ledger, whichever way each call was written.
    const [total] = await store.usage.report({
      workspaceId: WS, start: '2026-12-05T00:00:00.000Z', end: '2026-12-07T00:00:00.000Z', bucket: undefined, groupBy: ['session_id'],
      filters: { session_id: [session.id] }, orderBy: 'requests', order: 'desc', limit: 10, offset: 0,
    });
    expect(total).toMatchObject({ requests: 3, inputTokens: 300, outputTokens: 30 });
    // PostgreSQL: the first two calls went as one statement each; after the budget change the statement was refused
    // and the transaction wrote the call; the status change after it was one statement again.
    expect(outcomes).toEqual(store.dialect === 'postgres' ? ['written', 'written', 'refused', 'written'] : []);
  });

  it('writes the webhook outbox for a status change once an endpoint subscribes, whichever replica added it', async () => {
    const { store, outcomes, session, writer, token } = await running(3, 60_000);
    await writer.apply(modelCall(session.id, later(1_000), 100_000_000));
    // Added through another process's API: this one's log has not seen it.
    await store.webhooks.insertEndpoint({
      id: newId('whep'), url: 'https://hooks.example.com/agentd', name: 'hook', description: '', enabledEvents: ['session.status_idled'],
      state: 'enabled', disabledReason: '', signingSecret: 'whsec_test', consecutiveFailures: 0, createdAt: AT, updatedAt: AT,
    });
    await writer.apply({ ...noChanges(later(2_000)), status: 'idle', events: newEvents(1, 'session.status_idle') });
    await writer.apply({ ...noChanges(later(3_000)), status: 'running', events: newEvents(1, 'session.status_running') });
    await writer.apply({ ...noChanges(later(4_000)), status: 'idle', events: newEvents(1, 'session.status_idle') });
    const owed = await store.webhooks.due(later(10_000), 10);
    expect(owed.map((d) => JSON.parse(d.body).data.type)).toEqual(['session.status_idled', 'session.status_idled']);
    expect((await store.sessions.find(session.id))!.status).toBe('idle');
    // PostgreSQL: the call in one statement; the idle write refused by the statement (an endpoint subscribes), then
    // written with its delivery in the transaction, as is the next idle one (known subscribers); the running write in
    // between causes nothing subscribed to and is one statement.
    expect(outcomes).toEqual(store.dialect === 'postgres' ? ['written', 'refused', 'written'] : []);
  });
}

/** The store, with what its one-statement session writes answered recorded (written, or refused: nothing written). */
function observed(inner: Store): { store: Store; outcomes: string[] } {
  const outcomes: string[] = [];
  const write = inner.writeSession;
  const store: Store = {
    ...inner,
    writeSession: write && (async (...args) => {
      const records = await write(...args);
      outcomes.push(records ? 'written' : 'refused');
      return records;
    }),
  };
  return { store, outcomes };
}

/** A step whose model call completed: its span's end, the usage it adds and its ledger row (null cost: unpriced). */
function modelCall(sessionId: string, at: string, listCostNanoUsd: number | null): LogChanges {
  const call: UsageRecord = {
    id: newId('mcall'),
    workspaceId: WS,
    apiKeyId: null,
    product: UsageProduct.agents,
    callKind: 'agent_turn',
    model: 'claude-sonnet-4-6',
    providerModel: 'claude-sonnet-4-6',
    provider: 'anthropic',
    sessionId,
    threadId: null,
    agentId: 'agent_x',
    agentVersion: 1,
    deploymentId: null,
    environmentId: 'env_x',
    conversationId: null,
    batchId: null,
    requestId: null,
    providerRequestId: null,
    messageId: null,
    inputTokens: 100,
    outputTokens: 10,
    cacheReadInputTokens: 0,
    cacheCreation5mInputTokens: 0,
    cacheCreation1hInputTokens: 0,
    listCostNanoUsd,
    latencyMs: 5,
    ttftMs: null,
    stopReason: 'end_turn',
    outcome: 'ok',
    streamed: true,
    toolNames: [],
    createdAt: at,
  };
  return { ...noChanges(at), events: newEvents(1, 'span.model_request_end'), usage: { input_tokens: 100, output_tokens: 10 } as LogChanges['usage'], calls: [call] };
}

describeOnStores('log writer fencing', suite);

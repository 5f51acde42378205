// Conformance: DeploymentRepository and WebhookRepository — the compare-and-set moves replicas
// rely on (schedule cursor, run and delivery leases), the unique scheduled instant, the outbox's
// matching of events to enabled subscribed endpoints, and auto-disable at the failure limit.
import { expect, it } from 'vitest';
import { newId } from '../../../src/api/ids.js';
import type { DeploymentRecord, DeploymentRunRecord } from '../../../src/domain/records/deployment.js';
import type { WebhookEndpointRecord } from '../../../src/domain/records/webhook.js';
import { UniqueViolationError } from '../../../src/store/errors.js';
import type { StoreHarness } from '../conformance.js';
import { at, WS } from '../fixtures.js';

function deployment(ms = 0, over: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return {
    id: newId('depl'),
    workspaceId: WS,
    name: `d-${ms}`,
    description: null,
    agent: { type: 'agent', id: 'agent_x', version: 1 },
    environmentId: 'env_x',
    initialEvents: [{ type: 'user.message', content: [{ type: 'text', text: 'go' }] }],
    resources: [],
    vaultIds: [],
    budget: null,
    metadata: {},
    schedule: { expression: '0 * * * *', timezone: 'UTC' },
    status: 'active',
    pausedReason: null,
    lastRunAt: null,
    nextFireAt: at(60_000),
    createdAt: at(ms),
    updatedAt: at(ms),
    archivedAt: null,
    ...over,
  };
}

function run(d: DeploymentRecord, scheduledAt: string | null): DeploymentRunRecord {
  return {
    id: newId('drun'),
    workspaceId: WS,
    deploymentId: d.id,
    agent: d.agent,
    triggerType: scheduledAt === null ? 'manual' : 'schedule',
    scheduledAt,
    state: 'pending',
    leaseUntil: at(120_000),
    sessionId: null,
    error: null,
    createdAt: at(60_000),
  };
}

function endpoint(types: string[], over: Partial<WebhookEndpointRecord> = {}): WebhookEndpointRecord {
  return {
    id: newId('whep'),
    url: 'https://hooks.example.com/x',
    name: '',
    description: '',
    enabledEvents: types,
    state: 'enabled',
    disabledReason: '',
    signingSecret: 'whsec_x',
    consecutiveFailures: 0,
    createdAt: at(0),
    updatedAt: at(0),
    ...over,
  };
}

export function deploymentWebhookConformance(h: StoreHarness): void {
  it('stores a deployment\'s budget and vault ids, and clears the budget on update', async () => {
    const budget = { type: 'limit' as const, max_list_cost: { amount: '2500', currency: 'USD' as const } };
    const d = deployment(0, { budget, vaultIds: ['vlt_a', 'vlt_b'] });
    await h.store.deployments.insert(d);
    expect(await h.store.deployments.get(WS, d.id)).toEqual(d);
    const cleared = { ...d, budget: null, vaultIds: [], updatedAt: at(1) };
    expect(await h.store.deployments.update(cleared, d)).toBe(true);
    expect(await h.store.deployments.get(WS, d.id)).toEqual(cleared);
  });

  it('claims a scheduled instant once: cursor compare-and-set and a unique run per instant', async () => {
    const d = deployment();
    await h.store.deployments.insert(d);
    expect((await h.store.deployments.due(at(59_999), 10)).map((x) => x.id)).toEqual([]);
    expect((await h.store.deployments.due(at(60_000), 10)).map((x) => x.id)).toEqual([d.id]);
    expect(await h.store.deployments.earliestDue()).toBe(at(60_000));
    expect(await h.store.deployments.advanceCursor(d.id, d.nextFireAt!, at(3_660_000))).toBe(true);
    expect(await h.store.deployments.advanceCursor(d.id, d.nextFireAt!, at(3_660_000))).toBe(false);
    await h.store.deployments.insertRun(run(d, at(60_000)));
    await expect(h.store.deployments.insertRun(run(d, at(60_000)))).rejects.toBeInstanceOf(UniqueViolationError);
    // Manual runs have no instant: any number of them.
    await h.store.deployments.insertRun(run(d, null));
    await h.store.deployments.insertRun(run(d, null));
    // A paused deployment is never due and its cursor cannot be moved by a scheduler.
    const fresh = (await h.store.deployments.get(WS, d.id))!;
    expect(await h.store.deployments.update({ ...fresh, status: 'paused', updatedAt: at(1) }, fresh)).toBe(true);
    expect(await h.store.deployments.update({ ...fresh, name: 'stale', updatedAt: at(2) }, fresh)).toBe(false);
    expect(await h.store.deployments.due(at(9_999_999), 10)).toEqual([]);
    expect(await h.store.deployments.advanceCursor(d.id, at(3_660_000), at(7_260_000))).toBe(false);
  });

  it('leases, finishes and lists runs; pending runs stay hidden until finished', async () => {
    const d = deployment();
    await h.store.deployments.insert(d);
    const r = run(d, at(60_000));
    await h.store.deployments.insertRun(r);
    expect(await h.store.deployments.getRun(WS, r.id)).toBeUndefined();
    expect((await h.store.deployments.abandonedRuns(at(119_999), 10)).map((x) => x.id)).toEqual([]);
    expect((await h.store.deployments.abandonedRuns(at(120_000), 10)).map((x) => x.id)).toEqual([r.id]);
    expect(await h.store.deployments.leaseRun(r.id, r.leaseUntil, at(240_000))).toBe(true);
    expect(await h.store.deployments.leaseRun(r.id, r.leaseUntil, at(240_000))).toBe(false);
    expect(await h.store.deployments.finishRun(r.id, { sessionId: 'sesn_x', error: null })).toBe(true);
    expect(await h.store.deployments.finishRun(r.id, { sessionId: 'sesn_y', error: null })).toBe(false);
    expect(await h.store.deployments.getRun(WS, r.id)).toMatchObject({ state: 'done', sessionId: 'sesn_x', error: null });
    const failed = run(d, null);
    await h.store.deployments.insertRun(failed);
    await h.store.deployments.finishRun(failed.id, { sessionId: null, error: { type: 'unknown_error', message: 'x' } });
    const page = { limit: 10, order: 'asc' as const };
    const withError = await h.store.deployments.listRuns(WS, { deploymentId: d.id, hasError: true, createdAt: {} }, page);
    expect(withError.items.map((x) => x.id)).toEqual([failed.id]);
    const scheduled = await h.store.deployments.listRuns(WS, { deploymentId: d.id, triggerType: 'schedule', createdAt: {} }, page);
    expect(scheduled.items.map((x) => x.id)).toEqual([r.id]);
  });

  it('writes one delivery per event and enabled subscribed endpoint, and leases each once', async () => {
    const a = endpoint(['session.created']);
    const b = endpoint(['session.created', 'agent.created']);
    const off = endpoint(['session.created'], { state: 'disabled' });
    for (const e of [a, b, off]) await h.store.webhooks.insertEndpoint(e);
    let n = 0;
    const written = await h.store.transaction((tx) =>
      tx.webhooks.enqueue(
        [
          { id: 'event_1', type: 'session.created', body: '{"a":1}' },
          { id: 'event_2', type: 'agent.created', body: '{"b":2}' },
          { id: 'event_3', type: 'environment.created', body: '{"c":3}' },
        ],
        at(0),
        () => `whdel_${++n}`,
      ),
    );
    expect(written).toBe(3);
    expect((await h.store.webhooks.deliveriesOf('event_1')).map((d) => d.endpointId).sort()).toEqual([a.id, b.id].sort());
    // A rolled-back transaction leaves no delivery behind.
    await expect(
      h.store.transaction(async (tx) => {
        await tx.webhooks.enqueue([{ id: 'event_9', type: 'session.created', body: '{}' }], at(0), () => `whdel_${++n}`);
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(await h.store.webhooks.deliveriesOf('event_9')).toEqual([]);

    const due = await h.store.webhooks.due(at(0), 10);
    expect(due).toHaveLength(3);
    const first = due[0]!;
    expect(await h.store.webhooks.lease(first, at(30_000))).toBe(true);
    expect(await h.store.webhooks.lease(first, at(30_000))).toBe(false);
    expect((await h.store.webhooks.due(at(1), 10)).map((d) => d.id)).not.toContain(first.id);
    expect(await h.store.webhooks.markDelivered({ ...first, leaseUntil: at(30_000) }, at(2))).toBe(true);
    expect((await h.store.webhooks.due(at(60_000), 10)).map((d) => d.id)).not.toContain(first.id);

    // Deleting an endpoint drops what it was still owed.
    expect(await h.store.transaction((tx) => tx.webhooks.deleteEndpoint(b.id))).toBe(true);
    expect((await h.store.webhooks.due(at(60_000), 10)).every((d) => d.endpointId !== b.id)).toBe(true);
  });

  it('records an attempt only under the lease it took: a late failure leaves a taken-over delivery alone', async () => {
    const e = endpoint(['session.created']);
    await h.store.webhooks.insertEndpoint(e);
    await h.store.webhooks.enqueue([{ id: 'event_1', type: 'session.created', body: '{}' }], at(0), () => 'whdel_1');
    const [d] = await h.store.webhooks.due(at(0), 10);
    // A leased delivery is due when its lease lapses, not at its past next_attempt_at.
    expect(await h.store.webhooks.earliestDue()).toBe(at(0));
    expect(await h.store.webhooks.lease(d!, at(40_000))).toBe(true);
    expect(await h.store.webhooks.earliestDue()).toBe(at(40_000));
    // Server A's attempt outlives its lease; server B takes the delivery over and it is acknowledged.
    const [lapsed] = await h.store.webhooks.due(at(40_000), 10);
    expect(lapsed).toMatchObject({ id: d!.id, leaseUntil: at(40_000) });
    expect(await h.store.webhooks.lease(lapsed!, at(80_000))).toBe(true);
    expect(await h.store.webhooks.markDelivered({ ...lapsed!, leaseUntil: at(80_000) }, at(41_000))).toBe(true);
    // A's late failure (and a late success) changes nothing: not pending again, no failure counted.
    const limit = { after: 1, reason: 'disabled after 1 consecutive failed deliveries' };
    expect(await h.store.webhooks.markFailed({ ...d!, leaseUntil: at(40_000) }, 'no answer within 10000 ms', at(50_000), at(42_000), limit)).toBe(false);
    expect(await h.store.webhooks.markDelivered({ ...d!, leaseUntil: at(40_000) }, at(42_000))).toBe(false);
    expect((await h.store.webhooks.deliveriesOf('event_1'))[0]).toMatchObject({ state: 'delivered', attempts: 1, leaseUntil: null, finishedAt: at(41_000) });
    expect(await h.store.webhooks.getEndpoint(e.id)).toMatchObject({ state: 'enabled', consecutiveFailures: 0 });
    expect(await h.store.webhooks.due(at(100_000), 10)).toEqual([]);
    expect(await h.store.webhooks.earliestDue()).toBeNull();
  });

  it('a delivery another server leased, sent and failed since it was seen is not leased again before its retry', async () => {
    const e = endpoint(['session.created']);
    await h.store.webhooks.insertEndpoint(e);
    await h.store.webhooks.enqueue([{ id: 'event_1', type: 'session.created', body: '{}' }], at(0), () => 'whdel_1');
    const [seenByA] = await h.store.webhooks.due(at(0), 10); // server A looks...
    const [seenByB] = await h.store.webhooks.due(at(0), 10); // ...and so does B, which leases, sends and fails
    expect(await h.store.webhooks.lease(seenByB!, at(30_000))).toBe(true);
    const limit = { after: 5, reason: 'disabled after 5 consecutive failed deliveries' };
    expect(await h.store.webhooks.markFailed({ ...seenByB!, leaseUntil: at(30_000) }, 'answered 500', at(60_000), at(1_000), limit)).toBe(true);
    // The lease is clear again, as A saw it: without the attempts check A would send now, before the retry at 60 s.
    expect(await h.store.webhooks.lease(seenByA!, at(31_000))).toBe(false);
    expect((await h.store.webhooks.deliveriesOf('event_1'))[0]).toMatchObject({ state: 'pending', attempts: 1, leaseUntil: null });
    const [retry] = await h.store.webhooks.due(at(60_000), 10);
    expect(await h.store.webhooks.lease(retry!, at(90_000))).toBe(true);
  });

  it('counts consecutive failures, disables at the limit, and a success resets the count', async () => {
    const e = endpoint(['session.created']);
    await h.store.webhooks.insertEndpoint(e);
    let n = 0;
    await h.store.webhooks.enqueue(
      [1, 2, 3].map((i) => ({ id: `event_${i}`, type: 'session.created', body: '{}' })),
      at(0),
      () => `whdel_${++n}`,
    );
    const [d1, d2, d3] = await h.store.webhooks.due(at(0), 10);
    const limit = { after: 2, reason: 'disabled after 2 consecutive failed deliveries' };
    await h.store.webhooks.markFailed(d1!, 'answered 500', at(5_000), at(1), limit);
    expect(await h.store.webhooks.getEndpoint(e.id)).toMatchObject({ state: 'enabled', consecutiveFailures: 1 });
    await h.store.webhooks.markDelivered(d2!, at(2));
    expect((await h.store.webhooks.getEndpoint(e.id))?.consecutiveFailures).toBe(0);
    await h.store.webhooks.markFailed(d3!, 'answered 500', at(5_000), at(3), limit);
    const retried = (await h.store.webhooks.due(at(5_000), 10)).find((d) => d.id === d1!.id)!;
    expect(retried).toMatchObject({ attempts: 1, lastError: 'answered 500', state: 'pending' });
    await h.store.webhooks.markFailed(retried, 'timeout', null, at(6_000), limit);
    expect(await h.store.webhooks.getEndpoint(e.id)).toMatchObject({ state: 'disabled', disabledReason: limit.reason, consecutiveFailures: 2 });
    expect((await h.store.webhooks.deliveriesOf('event_1'))[0]).toMatchObject({ state: 'failed', attempts: 2, finishedAt: at(6_000) });
  });
}

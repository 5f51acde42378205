// Webhook endpoints and the delivery outbox. Leases and endpoint failure counts move inside the
// database (compare-and-set, arithmetic in SQL), so replicas can share deliveries.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { WebhookDeliveryRecord, WebhookEndpointRecord, WebhookEventRecord, WebhookRepository } from '../webhook-types.js';
import type { Database } from './schema.js';
import type { WebhookDeliveriesTable, WebhookEndpointsTable } from './webhook-schema.js';
import { fromJson, toJson } from './json.js';

const toEndpoint = (r: Selectable<WebhookEndpointsTable>): WebhookEndpointRecord => ({
  id: r.id,
  url: r.url,
  name: r.name,
  description: r.description,
  enabledEvents: fromJson(r.enabled_events),
  state: r.state as WebhookEndpointRecord['state'],
  disabledReason: r.disabled_reason,
  signingSecret: r.signing_secret,
  consecutiveFailures: Number(r.consecutive_failures),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toEndpointRow = (e: WebhookEndpointRecord): WebhookEndpointsTable => ({
  id: e.id,
  url: e.url,
  name: e.name,
  description: e.description,
  enabled_events: toJson(e.enabledEvents),
  state: e.state,
  disabled_reason: e.disabledReason,
  signing_secret: e.signingSecret,
  consecutive_failures: e.consecutiveFailures,
  created_at: e.createdAt,
  updated_at: e.updatedAt,
});

const toDelivery = (r: Selectable<WebhookDeliveriesTable>): WebhookDeliveryRecord => ({
  id: r.id,
  eventId: r.event_id,
  endpointId: r.endpoint_id,
  body: r.body,
  state: r.state as WebhookDeliveryRecord['state'],
  attempts: Number(r.attempts),
  nextAttemptAt: r.next_attempt_at,
  leaseUntil: r.lease_until,
  lastError: r.last_error,
  createdAt: r.created_at,
  finishedAt: r.finished_at,
});

export class KyselyWebhookRepository implements WebhookRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertEndpoint(e: WebhookEndpointRecord): Promise<void> {
    await this.db.insertInto('webhook_endpoints').values(toEndpointRow(e)).execute();
  }

  async getEndpoint(id: string): Promise<WebhookEndpointRecord | undefined> {
    const row = await this.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toEndpoint(row);
  }

  async listEndpoints(): Promise<WebhookEndpointRecord[]> {
    const rows = await this.db.selectFrom('webhook_endpoints').selectAll().orderBy('id').execute();
    return rows.map(toEndpoint);
  }

  async updateEndpoint(e: WebhookEndpointRecord, opts: { resetFailures: boolean }): Promise<void> {
    const { id, created_at, consecutive_failures, ...changes } = toEndpointRow(e);
    await this.db
      .updateTable('webhook_endpoints')
      // The dispatcher owns the failure count; only re-enabling starts it afresh.
      .set(opts.resetFailures ? { ...changes, consecutive_failures: 0 } : changes)
      .where('id', '=', id)
      .execute();
  }

  /** Runs `fn` in a transaction (or the one this repository is already bound to). */
  private atomically<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return this.db.isTransaction ? fn(this.db) : this.db.transaction().execute(fn);
  }

  async deleteEndpoint(id: string): Promise<boolean> {
    await this.db.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).where('state', '=', 'pending').execute();
    const result = await this.db.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async subscribedTypes(): Promise<Set<string>> {
    const rows = await this.db.selectFrom('webhook_endpoints').select('enabled_events').where('state', '=', 'enabled').execute();
    return new Set(rows.flatMap((r) => fromJson<string[]>(r.enabled_events)));
  }

  async enqueue(events: readonly WebhookEventRecord[], at: string, newId: () => string): Promise<number> {
    if (events.length === 0) return 0;
    const endpoints = await this.db
      .selectFrom('webhook_endpoints')
      .select(['id', 'enabled_events'])
      .where('state', '=', 'enabled')
      .execute();
    const rows: WebhookDeliveriesTable[] = [];
    for (const endpoint of endpoints) {
      const subscribed = new Set(fromJson<string[]>(endpoint.enabled_events));
      for (const e of events) {
        if (!subscribed.has(e.type)) continue;
        rows.push({
          id: newId(),
          event_id: e.id,
          endpoint_id: endpoint.id,
          body: e.body,
          state: 'pending',
          attempts: 0,
          next_attempt_at: at,
          lease_until: null,
          last_error: null,
          created_at: at,
          finished_at: null,
        });
      }
    }
    if (rows.length > 0) await this.db.insertInto('webhook_deliveries').values(rows).execute();
    return rows.length;
  }

  async due(now: string, limit: number): Promise<WebhookDeliveryRecord[]> {
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('state', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
      .orderBy('next_attempt_at')
      .limit(limit)
      .execute();
    return rows.map(toDelivery);
  }

  async earliestDue(): Promise<string | null> {
    // A leased delivery is not due before its lease lapses (due() skips it until then): without
    // this the dispatcher would wake at a past next_attempt_at and poll in a loop.
    const dueAt = sql<string>`case when lease_until is not null and lease_until > next_attempt_at then lease_until else next_attempt_at end`;
    const row = await this.db
      .selectFrom('webhook_deliveries')
      .select(dueAt.as('due_at'))
      .where('state', '=', 'pending')
      .orderBy('due_at')
      .limit(1)
      .executeTakeFirst();
    return row?.due_at ?? null;
  }

  async lease(seen: Pick<WebhookDeliveryRecord, 'id' | 'leaseUntil' | 'attempts'>, until: string): Promise<boolean> {
    const result = await this.db
      .updateTable('webhook_deliveries')
      .set({ lease_until: until })
      .where('id', '=', seen.id)
      .where('state', '=', 'pending')
      .where('lease_until', seen.leaseUntil === null ? 'is' : '=', seen.leaseUntil)
      .where('attempts', '=', seen.attempts)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async markDelivered(d: WebhookDeliveryRecord, at: string): Promise<boolean> {
    return this.atomically(async (tx) => {
      const result = await tx
        .updateTable('webhook_deliveries')
        .set({ state: 'delivered', attempts: d.attempts + 1, lease_until: null, last_error: null, finished_at: at })
        .where('id', '=', d.id)
        .where('state', '=', 'pending')
        .where('lease_until', d.leaseUntil === null ? 'is' : '=', d.leaseUntil)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false; // the lease lapsed: another attempt owns the delivery
      await tx.updateTable('webhook_endpoints').set({ consecutive_failures: 0 }).where('id', '=', d.endpointId).execute();
      return true;
    });
  }

  async markFailed(
    d: WebhookDeliveryRecord,
    error: string,
    retryAt: string | null,
    at: string,
    disable: { after: number; reason: string },
  ): Promise<boolean> {
    return this.atomically(async (tx) => {
      const result = await tx
        .updateTable('webhook_deliveries')
        .set({
          state: retryAt === null ? 'failed' : 'pending',
          attempts: d.attempts + 1,
          next_attempt_at: retryAt ?? d.nextAttemptAt,
          lease_until: null,
          last_error: error,
          finished_at: retryAt === null ? at : null,
        })
        .where('id', '=', d.id)
        // Only under the lease this attempt took: a late failure must not reset a delivery that
        // another server has since leased, sent and recorded (it would be sent again).
        .where('state', '=', 'pending')
        .where('lease_until', d.leaseUntil === null ? 'is' : '=', d.leaseUntil)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await tx
        .updateTable('webhook_endpoints')
        .set({ consecutive_failures: sql`consecutive_failures + 1` })
        .where('id', '=', d.endpointId)
        .execute();
      await tx
        .updateTable('webhook_endpoints')
        .set({ state: 'disabled', disabled_reason: disable.reason, updated_at: at })
        .where('id', '=', d.endpointId)
        .where('state', '=', 'enabled')
        .where('consecutive_failures', '>=', disable.after)
        .execute();
      return true;
    });
  }

  async markDropped(id: string, at: string): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set({ state: 'dropped', lease_until: null, finished_at: at })
      .where('id', '=', id)
      .where('state', '=', 'pending')
      .execute();
  }

  async deliveriesOf(eventId: string): Promise<WebhookDeliveryRecord[]> {
    const rows = await this.db.selectFrom('webhook_deliveries').selectAll().where('event_id', '=', eventId).orderBy('id').execute();
    return rows.map(toDelivery);
  }
}

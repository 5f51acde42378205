// The repository of webhook endpoints and the delivery outbox (records: domain/records/webhook.ts).
// Deliveries are claimed with a lease by compare-and-set, so replicas share them without sending
// one twice at once.
import type { WebhookDeliveryRecord, WebhookEndpointRecord, WebhookEventRecord } from '../domain/records/webhook.js';

export type { WebhookDeliveryRecord, WebhookEndpointRecord, WebhookEventRecord } from '../domain/records/webhook.js';

export interface WebhookRepository {
  insertEndpoint(endpoint: WebhookEndpointRecord): Promise<void>;
  getEndpoint(id: string): Promise<WebhookEndpointRecord | undefined>;
  listEndpoints(): Promise<WebhookEndpointRecord[]>;
  /** Writes the endpoint (its failure count only when `resetFailures`: the dispatcher owns it). */
  updateEndpoint(endpoint: WebhookEndpointRecord, opts: { resetFailures: boolean }): Promise<void>;
  /** Deletes the endpoint and every delivery still owed to it. */
  deleteEndpoint(id: string): Promise<boolean>;
  /** The event types some enabled endpoint subscribes to (checked before deliveries are built). */
  subscribedTypes(): Promise<Set<string>>;
  /**
   * Inside the transaction that causes the events: one pending delivery per event and enabled
   * endpoint subscribed to its type, due at `at`. Returns how many were written.
   */
  enqueue(events: readonly WebhookEventRecord[], at: string, newId: () => string): Promise<number>;
  /** Pending deliveries due at `now` whose lease is free or lapsed, oldest first. */
  due(now: string, limit: number): Promise<WebhookDeliveryRecord[]>;
  /** When the next pending delivery is due: its `next_attempt_at`, or its lease's end if later. */
  earliestDue(): Promise<string | null>;
  /**
   * Takes the lease of a delivery as `seen` (by due()) until `until`: only while its lease and its attempts are still
   * as seen, so a delivery another server leased, sent and failed meanwhile (lease cleared, attempts + 1, retry not yet
   * due) is not sent again early. False when it changed.
   */
  lease(seen: Pick<WebhookDeliveryRecord, 'id' | 'leaseUntil' | 'attempts'>, until: string): Promise<boolean>;
  /**
   * Records an acknowledged delivery and resets its endpoint's failure count. Like markFailed, only
   * while the delivery is pending under `delivery.leaseUntil` (the lease the attempt took): false,
   * and nothing written, once another server has taken the lease over.
   */
  markDelivered(delivery: WebhookDeliveryRecord, at: string): Promise<boolean>;
  /**
   * Records a failed attempt: retried at `retryAt`, or finished as `failed` when null. Counts a
   * consecutive failure on the endpoint and disables it (with `reason`) at `disableAfter`. Only
   * under the attempt's lease `delivery.leaseUntil`; false, and nothing written, otherwise.
   */
  markFailed(
    delivery: WebhookDeliveryRecord,
    error: string,
    retryAt: string | null,
    at: string,
    disable: { after: number; reason: string },
  ): Promise<boolean>;
  /** Finishes a delivery without sending it (its endpoint is disabled). */
  markDropped(id: string, at: string): Promise<void>;
  /** Deliveries of one event (tests and diagnostics). */
  deliveriesOf(eventId: string): Promise<WebhookDeliveryRecord[]>;
}

// The dispatcher: sends the outbox's due deliveries, on every server. A delivery is leased by
// compare-and-set before it is sent, so replicas never send one at the same time; an attempt that
// fails is retried with exponential backoff and jitter (same `webhook-id`), and an endpoint that
// keeps failing is disabled. It runs apart from the agent loop: a slow receiver slows nothing else.
import type { Clock } from '../domain/clock.js';
import { backoffMs } from '../domain/retry.js';
import type { WebhookDeliveryRecord } from '../domain/records/webhook.js';
import type { WebhookConfig } from '../config/config.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/types.js';
import { attemptDelivery } from './webhook-sender.js';

const BATCH = 16;
/** Attempts one server runs at once. Each ends by its deadline, so a full set drains. */
const MAX_IN_FLIGHT = 64;
const iso = (ms: number) => new Date(ms).toISOString();

export class WebhookDispatcher {
  private readonly stop = new AbortController();
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  /** Ends the dispatcher's wait when an attempt finishes (its retry may be due sooner). */
  private wake: AbortController | undefined;
  private finishedSincePass = false;

  constructor(
    private readonly deps: { store: Store; clock: Clock; logger: Logger; config: WebhookConfig },
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async close(): Promise<void> {
    this.stop.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { clock, logger, store, config } = this.deps;
    while (!this.stop.signal.aborted) {
      let more = false;
      this.finishedSincePass = false;
      try {
        more = await this.tick();
      } catch (err) {
        logger.error({ err }, 'webhook dispatcher pass failed');
      }
      if (this.stop.signal.aborted) break;
      const full = this.inFlight.size >= MAX_IN_FLIGHT;
      if (more && !full) continue; // more may be due right away
      const earliest = full ? null : await store.webhooks.earliestDue().catch(() => null);
      const wait = earliest === null ? config.pollMs : Date.parse(earliest) - clock.now();
      if (this.finishedSincePass) continue;
      this.wake = new AbortController();
      const wake = this.wake;
      const onStop = () => wake.abort();
      this.stop.signal.addEventListener('abort', onStop, { once: true });
      await clock.sleep(Math.max(0, Math.min(config.pollMs, wait)), wake.signal);
      this.stop.signal.removeEventListener('abort', onStop);
      this.wake = undefined;
    }
    await Promise.all(this.inFlight);
  }

  /**
   * One pass: lease what is due and start sending it, without waiting for the attempts, so a slow
   * receiver holds up no other delivery. True when the pass was full (more may be due).
   */
  async tick(): Promise<boolean> {
    const { store, clock, config, logger } = this.deps;
    const limit = Math.min(BATCH, MAX_IN_FLIGHT - this.inFlight.size);
    if (limit <= 0) return false;
    const now = clock.now();
    const due = await store.webhooks.due(iso(now), limit);
    // Far longer than an attempt (bounded by timeoutMs): a lapsed lease means the sender died.
    const until = iso(now + config.timeoutMs + 30_000);
    for (const d of due) {
      if (!(await store.webhooks.lease(d, until))) continue;
      const attempt: Promise<void> = this.deliver({ ...d, leaseUntil: until })
        .catch((err: unknown) => logger.error({ err, deliveryId: d.id }, 'webhook delivery failed to record'))
        .finally(() => {
          this.inFlight.delete(attempt);
          this.finishedSincePass = true;
          this.wake?.abort();
        });
      this.inFlight.add(attempt);
    }
    return due.length === limit;
  }

  /** `d` carries the lease this server took: the outcome is recorded only while it still holds. */
  private async deliver(d: WebhookDeliveryRecord): Promise<void> {
    const { store, clock, config, logger } = this.deps;
    const endpoint = await store.webhooks.getEndpoint(d.endpointId);
    if (!endpoint || endpoint.state !== 'enabled') {
      await store.webhooks.markDropped(d.id, iso(clock.now()));
      return;
    }
    const result = await attemptDelivery({
      url: endpoint.url,
      body: d.body,
      messageId: d.eventId,
      secret: endpoint.signingSecret,
      timestampMs: clock.now(),
      timeoutMs: config.timeoutMs,
      privateTargets: config.privateTargets,
    });
    const at = clock.now();
    if (result.kind === 'delivered') {
      if (!(await store.webhooks.markDelivered(d, iso(at)))) logger.warn({ deliveryId: d.id }, 'webhook delivered after its lease lapsed; not recorded');
      return;
    }
    const attempts = d.attempts + 1;
    const retryAt = result.kind === 'failed' && attempts < config.maxAttempts ? iso(at + backoffMs(d.attempts, config.retryBaseMs, config.retryMaxMs)) : null;
    const disable =
      result.kind === 'disable'
        ? { after: 0, reason: `disabled: ${result.error}` }
        : { after: config.disableAfter, reason: `disabled after ${config.disableAfter} consecutive failed deliveries` };
    if (!(await store.webhooks.markFailed(d, result.error, retryAt, iso(at), disable))) {
      logger.warn({ deliveryId: d.id, error: result.error }, 'webhook attempt failed after its lease lapsed; not recorded');
      return;
    }
    logger.warn({ deliveryId: d.id, endpointId: d.endpointId, attempts, error: result.error, retryAt }, 'webhook delivery failed');
  }
}

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
const iso = (ms: number) => new Date(ms).toISOString();

export class WebhookDispatcher {
  private readonly stop = new AbortController();
  private loop: Promise<void> | undefined;

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
      let sent = 0;
      try {
        sent = await this.tick();
      } catch (err) {
        logger.error({ err }, 'webhook dispatcher pass failed');
      }
      if (this.stop.signal.aborted) break;
      if (sent === BATCH) continue; // more may be due right away
      const earliest = await store.webhooks.earliestDue().catch(() => null);
      const wait = earliest === null ? config.pollMs : Date.parse(earliest) - clock.now();
      await clock.sleep(Math.max(0, Math.min(config.pollMs, wait)), this.stop.signal);
    }
  }

  /** One pass: lease and send what is due. Returns how many deliveries it looked at. */
  async tick(): Promise<number> {
    const { store, clock, config } = this.deps;
    const now = clock.now();
    const due = await store.webhooks.due(iso(now), BATCH);
    // Long enough to cover the attempt: a lapsed lease means the sender died.
    const until = iso(now + config.timeoutMs + 30_000);
    const mine: WebhookDeliveryRecord[] = [];
    for (const d of due) if (await store.webhooks.lease(d.id, d.leaseUntil, until)) mine.push(d);
    await Promise.all(mine.map((d) => this.deliver(d)));
    return due.length;
  }

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
      await store.webhooks.markDelivered(d, iso(at));
      return;
    }
    const attempts = d.attempts + 1;
    const retryAt = result.kind === 'failed' && attempts < config.maxAttempts ? iso(at + backoffMs(d.attempts, config.retryBaseMs, config.retryMaxMs)) : null;
    const disable =
      result.kind === 'disable'
        ? { after: 0, reason: `disabled: ${result.error}` }
        : { after: config.disableAfter, reason: `disabled after ${config.disableAfter} consecutive failed deliveries` };
    await store.webhooks.markFailed(d, result.error, retryAt, iso(at), disable);
    logger.warn({ deliveryId: d.id, endpointId: d.endpointId, attempts, error: result.error, retryAt }, 'webhook delivery failed');
  }
}

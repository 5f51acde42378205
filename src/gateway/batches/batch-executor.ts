// Runs Message Batches against the provider: bounded concurrency, retries with backoff, cancellation and expiry.
// Every request is a leased row; a result is recorded with compare-and-set, so once it is recorded the request is
// never sent again, and a restarted process (same owner id) takes its unfinished requests straight back.
import { isoNow } from '../../domain/clock.js';
import { backoffMs, classifyModelError } from '../../engine/model/model-errors.js';
import { providerErrorReply } from '../../engine/model/provider-errors.js';
import { FileSourceError } from '../../engine/model/file-sources.js';
import type { BatchRecord, BatchRequestRecord } from '../../store/batch-types.js';
import { UsageProduct } from '../../store/usage-types.js';
import { factsOfMessage } from '../call-observer.js';
import { conversationOf } from '../conversation-key.js';
import { emptyFacts, GatewayCall } from '../gateway-call.js';
import type { GatewayDeps } from '../gateway-deps.js';

export interface BatchExecutorOptions {
  /** Stable per installation (the engine's owner id), so a restart reclaims its own leases at once. */
  owner: string;
  concurrency: number;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** How long a lease lasts without renewal (renewed while the call runs). */
  leaseMs?: number;
  /** How often to look for batches other replicas left behind, and retries that came due. */
  sweepMs?: number;
}

/** Tries at recording a success before leaving the request to be sent again. */
const FINISH_ATTEMPTS = 5;

interface Running {
  abort: AbortController;
  done: Promise<void>;
}

export class BatchExecutor {
  private readonly running = new Map<string, Running>();
  private readonly driving = new Map<string, boolean>();
  private readonly expiryTimers = new Set<string>();
  private readonly stop = new AbortController();
  private sweeper: NodeJS.Timeout | undefined;
  /** Set by start(): a node that never started it (AGENTD_ENGINE=off, --role api) sends nothing. */
  private started = false;

  constructor(
    private readonly deps: GatewayDeps,
    private readonly opts: BatchExecutorOptions,
  ) {}

  private get leaseMs(): number {
    return this.opts.leaseMs ?? 60_000;
  }

  private now = () => isoNow(this.deps.clock);
  private at = (offsetMs: number) => new Date(this.deps.clock.now() + offsetMs).toISOString();

  async start(): Promise<void> {
    this.started = true;
    await this.deps.store.batches.releaseOwned(this.opts.owner);
    await this.sweep();
    this.sweeper = setInterval(() => void this.sweep(), this.opts.sweepMs ?? 5_000);
    this.sweeper.unref();
  }

  /** Stops sending; in-flight calls are aborted and their requests left for the next start to take back. */
  async close(): Promise<void> {
    this.stop.abort();
    if (this.sweeper) clearInterval(this.sweeper);
    for (const r of this.running.values()) r.abort.abort();
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  private async sweep(): Promise<void> {
    try {
      for (const id of await this.deps.store.batches.activeIds()) this.kick(id);
    } catch (err) {
      this.deps.logger.error({ err }, 'batch sweep failed');
    }
  }

  /** Works on `batchId` until nothing is due or all slots are busy; coalesces concurrent wake-ups. */
  kick(batchId: string): void {
    // The batch routes kick on every node; only one whose executor was started sends requests.
    if (!this.started || this.stop.signal.aborted) return;
    if (this.driving.has(batchId)) {
      this.driving.set(batchId, true);
      return;
    }
    this.driving.set(batchId, false);
    void (async () => {
      try {
        do {
          this.driving.set(batchId, false);
          await this.drive(batchId);
        } while (this.driving.get(batchId) && !this.stop.signal.aborted);
      } catch (err) {
        this.deps.logger.error({ err, batch_id: batchId }, 'batch step failed');
      } finally {
        this.driving.delete(batchId);
      }
    })();
  }

  private async drive(batchId: string): Promise<void> {
    const { batches } = this.deps.store;
    const batch = await batches.find(batchId);
    if (!batch || batch.processingStatus === 'ended') return;
    if (this.deps.clock.now() >= Date.parse(batch.expiresAt)) return this.expire(batch);
    this.watchExpiry(batch);
    if (batch.processingStatus === 'canceling') {
      // Requests not yet sent are canceled; those in flight finish (as the hosted API does). A request whose lease
      // lapsed is no longer in flight (its owner died): it is canceled too, or the batch would wait for its expiry.
      await batches.settleUnfinished(batch.id, 'canceled', { lapsedBefore: this.now() });
      await batches.endIfDone(batch.id, this.now());
      return;
    }
    while (this.running.size < this.opts.concurrency && !this.stop.signal.aborted) {
      const request = await batches.claimNext(batch.id, this.opts.owner, this.now(), this.at(this.leaseMs));
      if (!request) break;
      // Our own call whose lease lapsed (its renewals failed, or the process stalled): the claim renewed the lease
      // for the call still under way; a second call would send the request twice.
      if (this.running.has(`${batch.id}/${request.index}`)) continue;
      this.launch(batch, request);
    }
    await batches.endIfDone(batch.id, this.now());
  }

  private async expire(batch: BatchRecord): Promise<void> {
    for (const [key, r] of this.running) if (key.startsWith(`${batch.id}/`)) r.abort.abort();
    await this.deps.store.batches.settleUnfinished(batch.id, 'expired', 'all');
    await this.deps.store.batches.endIfDone(batch.id, this.now());
  }

  /** Wakes the batch when it expires (on the injected clock, so tests move time instead of waiting). */
  private watchExpiry(batch: BatchRecord): void {
    if (this.expiryTimers.has(batch.id)) return;
    this.expiryTimers.add(batch.id);
    const wait = Math.max(0, Date.parse(batch.expiresAt) - this.deps.clock.now());
    void this.deps.clock.sleep(wait, this.stop.signal).then(() => {
      this.expiryTimers.delete(batch.id);
      this.kick(batch.id);
    });
  }

  private launch(batch: BatchRecord, request: BatchRequestRecord): void {
    const key = `${batch.id}/${request.index}`;
    const abort = new AbortController();
    const done = this.send(batch, request, abort)
      .catch((err: unknown) => this.deps.logger.error({ err, batch_id: batch.id, index: request.index }, 'batch request failed'))
      .finally(() => {
        this.running.delete(key);
        this.kick(batch.id);
      });
    this.running.set(key, { abort, done });
  }

  private async send(batch: BatchRecord, request: BatchRequestRecord, abort: AbortController): Promise<void> {
    const { store } = this.deps;
    const owner = this.opts.owner;
    const body = { ...request.params, model: String(request.params['model'] ?? '') };
    const caller = {
      workspaceId: batch.workspaceId,
      apiKeyId: batch.apiKeyId,
      limitKey: batch.apiKeyId ?? batch.id,
      requestId: `${batch.id}/${request.customId}`,
      betas: batch.betas,
      version: undefined,
    };
    const conversation = await conversationOf(body, undefined, (messageId) => store.usage.conversationOfMessage(batch.workspaceId, messageId));
    const call = new GatewayCall(this.deps, caller, body, conversation, { product: UsageProduct.messageBatchesApi, callKind: 'batch_request', batchId: batch.id }, []);
    abort.signal.addEventListener('abort', () => call.abort.abort(), { once: true });
    const renew = setInterval(() => {
      void store.batches.renewLease(batch.id, request.index, owner, this.at(this.leaseMs));
    }, this.leaseMs / 3);
    renew.unref();
    try {
      let answer;
      try {
        answer = await this.deps.model.create(body, call.options);
      } catch (err) {
        if (abort.signal.aborted) return; // expired or shutting down: the settle (or the next start) decides
        return await this.failed(batch, request, call, err);
      }
      // Only the provider's failure is the request's failure: from here on the result is the message, and a database
      // error while recording it must not turn it into `errored` (nor record the call in the ledger twice).
      const { body: message, requestId } = answer;
      await call.record(factsOfMessage(message), { streamed: false, ttftMs: null, providerRequestId: requestId, response: () => JSON.stringify(message) });
      await this.finishSucceeded(batch, request, message);
    } finally {
      clearInterval(renew);
    }
  }

  /**
   * Records a success, trying again after a database error (a reset connection, a busy SQLite): finish is
   * compare-and-set under our lease (still renewed meanwhile), so a repeat cannot record it twice. If every try
   * fails, the lease lapses and the request is sent again, as when a process dies.
   */
  private async finishSucceeded(batch: BatchRecord, request: BatchRequestRecord, message: unknown): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.deps.store.batches.finish(batch.id, request.index, this.opts.owner, 'succeeded', { type: 'succeeded', message });
        return;
      } catch (err) {
        const log = { err, batch_id: batch.id, index: request.index, attempt };
        if (attempt >= FINISH_ATTEMPTS || this.stop.signal.aborted) {
          this.deps.logger.error(log, 'could not record a batch result; the request is sent again once its lease lapses');
          return;
        }
        this.deps.logger.warn(log, 'recording a batch result failed; trying again');
        await this.deps.clock.sleep(backoffMs(attempt - 1, this.opts.retryBaseMs, this.opts.retryMaxMs), this.stop.signal);
      }
    }
  }

  private async failed(batch: BatchRecord, request: BatchRequestRecord, call: GatewayCall, err: unknown): Promise<void> {
    const { store } = this.deps;
    const reply = providerErrorReply(err);
    const error = err instanceof FileSourceError
      ? { type: 'invalid_request_error', message: err.message }
      : (reply?.error ?? { type: 'api_error', message: 'internal error while sending the request' });
    await call.record(emptyFacts(error.type), { streamed: false, ttftMs: null, providerRequestId: reply?.providerRequestId });
    const retryable = !(err instanceof FileSourceError) && classifyModelError(err).retryable;
    if (retryable && request.attempts <= this.opts.maxRetries) {
      const delay = backoffMs(request.attempts - 1, this.opts.retryBaseMs, this.opts.retryMaxMs);
      if (await store.batches.retryLater(batch.id, request.index, this.opts.owner, this.at(delay))) {
        void this.deps.clock.sleep(delay, this.stop.signal).then(() => this.kick(batch.id));
      }
      return;
    }
    if (!reply && !(err instanceof FileSourceError)) this.deps.logger.error({ err, batch_id: batch.id }, 'batch request failed unexpectedly');
    await store.batches.finish(batch.id, request.index, this.opts.owner, 'errored', {
      type: 'errored',
      error: { type: 'error', error, request_id: reply?.providerRequestId ?? null },
    });
  }
}

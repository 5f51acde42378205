// The self-hosted environment work queue: offers sessions to workers and runs every item's
// lifecycle (poll, ack, heartbeat, stop) as the SDK's WorkPoller / EnvironmentWorker drive it.
// Every write is a compare-and-set on the item's revision, so concurrent pollers, heartbeats and
// stops on any number of replicas never overwrite each other.
import { newId } from '../api/ids.js';
import { METADATA_MAX_PAIRS } from '../api/schemas/common.js';
import type { WorkHeartbeatResponse } from '../api/work-wire.js';
import { applyMetadataPatch } from '../domain/metadata.js';
import {
  acknowledge,
  addMs,
  claim,
  heartbeat,
  stop,
  stopped,
  type Holder,
  type Transition,
} from '../domain/work-lease.js';
import { ApiError, conflict, invalidRequest, notFound, preconditionFailed } from '../errors.js';
import type { Page, PageRequest, SessionRecord, Store } from '../store/types.js';
import type { WorkItemRecord } from '../store/work-types.js';
import { credentialDigest, encodeWorkSecret, newCredential, WORK_TOKEN_PREFIX } from './work-credentials.js';
import { WorkWaiters } from './work-waiters.js';
import type { EventBus } from '../events/event-bus.js';

/** How long a polled item may stay unacknowledged before another poll takes it (the API's default). */
export const DEFAULT_RECLAIM_MS = 5_000;
/** `workers_polling` counts workers seen within this window. */
const POLLERS_WINDOW_MS = 30_000;
/** Compare-and-set rounds before giving up on a hot item (each round re-reads it). */
const CAS_ROUNDS = 8;

export interface WorkQueueDeps {
  store: Store;
  now: () => string;
  /** The lease a heartbeat or ack grants unless the heartbeat asks for another. */
  leaseTtlSeconds: number;
  /** Carries "work offered" to the long polls of every replica. */
  wakes: Pick<EventBus, 'wake' | 'onWake'>;
}

export interface PollOptions {
  /** Wait up to this long for work (the API allows 1-999 ms); 0 returns at once. */
  blockMs: number;
  reclaimOlderThanMs?: number | undefined;
  /** The `Anthropic-Worker-ID` header. */
  workerId?: string | undefined;
  signal?: AbortSignal | undefined;
  /** Put in the secret as `api_base_url`: this server's URL as the worker should call it. */
  apiBaseUrl?: string | undefined;
}

export interface ClaimedWork {
  item: WorkItemRecord;
  /** The per-claim secret carrying the session token; returned by this poll only. */
  secret: string;
}

export interface QueueStats {
  depth: number;
  pending: number;
  oldestQueuedAt: string | null;
  workersPolling: number;
}

/** The stored item after a successful compare-and-set write of `next`. */
const written = (next: WorkItemRecord): WorkItemRecord => ({ ...next, revision: next.revision + 1 });

/** A session still needs its item while its turn is under way. */
const wantsWork = (s: SessionRecord | undefined): s is SessionRecord =>
  s !== undefined && s.archivedAt === null && (s.status === 'running' || s.status === 'rescheduling');

export class WorkQueue {
  private readonly waiters = new WorkWaiters();
  private readonly stopWaking: () => void;

  constructor(private readonly deps: WorkQueueDeps) {
    // An unknown key: wake-ups may have been missed, so every poll looks again.
    this.stopWaking = deps.wakes.onWake('work', (environmentId) =>
      environmentId === undefined ? this.waiters.notifyAll() : this.waiters.notify(environmentId),
    );
  }

  close(): void {
    this.stopWaking();
  }

  get leaseTtlSeconds(): number {
    return this.deps.leaseTtlSeconds;
  }

  /** Makes sure an open item offers the session (one per session, enforced by the store). */
  async offer(session: SessionRecord): Promise<WorkItemRecord> {
    const now = this.deps.now();
    const { item, created } = await this.deps.store.work.offer({
      id: newId('work'),
      workspaceId: session.workspaceId,
      environmentId: session.environmentId,
      sessionId: session.id,
      state: 'queued',
      metadata: {},
      claim: 0,
      revision: 0,
      claimedAt: null,
      claimedBy: null,
      createdAt: now,
      acknowledgedAt: null,
      startedAt: null,
      latestHeartbeatAt: null,
      leaseExpiresAt: null,
      stopRequestedAt: null,
      stoppedAt: null,
    });
    if (created) this.deps.wakes.wake('work', session.environmentId);
    return item;
  }

  /** The session's turn is over: items no worker has taken yet are withdrawn. */
  async withdraw(sessionId: string, before: string): Promise<void> {
    await this.deps.store.work.stopUnclaimed(sessionId, before, this.deps.now());
  }

  /** Claims the oldest claimable item, waiting up to `blockMs` for one to arrive. */
  async poll(environmentId: string, opts: PollOptions): Promise<ClaimedWork | undefined> {
    if (opts.workerId) await this.deps.store.work.notePoll(environmentId, opts.workerId, this.deps.now());
    const deadline = Date.now() + opts.blockMs;
    for (;;) {
      // A poll whose worker left or whose key was revoked while it waited claims nothing.
      if (opts.signal?.aborted) return undefined;
      const claimed = await this.tryClaim(environmentId, opts);
      if (claimed) return claimed;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return undefined;
      await this.waiters.wait(environmentId, remaining, opts.signal);
    }
  }

  private async tryClaim(environmentId: string, opts: PollOptions): Promise<ClaimedWork | undefined> {
    const { store } = this.deps;
    const now = this.deps.now();
    await this.endLapsedStops(environmentId, now);
    const reclaimBefore = addMs(now, -(opts.reclaimOlderThanMs ?? DEFAULT_RECLAIM_MS));
    for (const item of await store.work.claimable(environmentId, now, reclaimBefore, 10)) {
      // An item whose session no longer needs a worker (turn over, archived, deleted) is retired.
      if (!wantsWork(await store.sessions.find(item.sessionId))) {
        if (await store.work.update(stopped(item, now))) await this.afterStop(item);
        continue;
      }
      const next = claim(item, now, opts.workerId);
      const token = newCredential(WORK_TOKEN_PREFIX);
      const won = await store.transaction(async (tx) => {
        if (!(await tx.work.update(next))) return false;
        await tx.work.addToken({ digest: credentialDigest(token), workId: item.id, claim: next.claim, createdAt: now });
        return true;
      });
      if (won) return { item: written(next), secret: encodeWorkSecret(token, opts.apiBaseUrl) };
    }
    return undefined;
  }

  /** Stopping items whose worker died before confirming the stop are stopped for it. */
  private async endLapsedStops(environmentId: string, now: string): Promise<void> {
    for (const item of await this.deps.store.work.lapsedStopping(environmentId, now)) {
      if (await this.deps.store.work.update(stopped(item, now))) await this.afterStop(item);
    }
  }

  /**
   * A stopped item's session may still be mid-turn (a worker gave up, an operator stopped it):
   * offer it again so it never waits on a worker that is gone. Reading the session after the
   * stop closes the race with the engine, which marks a session running before it offers.
   */
  private async afterStop(item: WorkItemRecord): Promise<void> {
    const session = await this.deps.store.sessions.find(item.sessionId);
    if (wantsWork(session)) await this.offer(session);
  }

  async get(environmentId: string, workId: string): Promise<WorkItemRecord> {
    const item = await this.deps.store.work.get(environmentId, workId);
    if (!item) throw notFound(`work item ${workId} not found in environment ${environmentId}`);
    return item;
  }

  list(environmentId: string, page: PageRequest): Promise<Page<WorkItemRecord>> {
    return this.deps.store.work.list(environmentId, page);
  }

  async ack(environmentId: string, workId: string, holder: Holder): Promise<WorkItemRecord> {
    return this.transition(environmentId, workId, (item, now) => acknowledge(item, holder, now, this.deps.leaseTtlSeconds));
  }

  async heartbeat(
    environmentId: string,
    workId: string,
    req: { expected: string | undefined; ttlSeconds: number | undefined; holder: Holder },
  ): Promise<WorkHeartbeatResponse> {
    for (let round = 0; round < CAS_ROUNDS; round++) {
      const item = await this.get(environmentId, workId);
      const decision = heartbeat(item, {
        expected: req.expected,
        holder: req.holder,
        now: this.deps.now(),
        ttlSeconds: req.ttlSeconds ?? this.deps.leaseTtlSeconds,
      });
      if (decision.type === 'precondition_failed') {
        throw preconditionFailed(decision.message, 'heartbeat_precondition_failed', { current_state: decision.current });
      }
      if (decision.type === 'conflict') throw conflict(decision.message);
      if (!decision.next || (await this.deps.store.work.update(decision.next))) return decision.response;
    }
    throw busy(workId);
  }

  async stop(environmentId: string, workId: string, force: boolean, holder: Holder): Promise<WorkItemRecord> {
    const item = await this.transition(environmentId, workId, (current, now) => {
      const decision = stop(current, holder, force, now);
      return decision.type === 'already_stopped' ? { type: 'conflict', message: `work item ${workId} is already stopped` } : decision;
    });
    if (item.state === 'stopped') await this.afterStop(item);
    return item;
  }

  async updateMetadata(environmentId: string, workId: string, patch: Record<string, string | null>): Promise<WorkItemRecord> {
    return this.transition(environmentId, workId, (item) => {
      const metadata = applyMetadataPatch(item.metadata, patch);
      if (Object.keys(metadata).length > METADATA_MAX_PAIRS) {
        throw invalidRequest(`metadata: at most ${METADATA_MAX_PAIRS} metadata pairs are allowed`, 'invalid_metadata');
      }
      return JSON.stringify(metadata) === JSON.stringify(item.metadata) ? { type: 'unchanged' } : { type: 'write', next: { ...item, metadata } };
    });
  }

  async stats(environmentId: string): Promise<QueueStats> {
    const { store } = this.deps;
    const now = this.deps.now();
    await this.endLapsedStops(environmentId, now);
    const counts = await store.work.counts(environmentId);
    const workersPolling = await store.work.pollersSince(environmentId, addMs(now, -POLLERS_WINDOW_MS));
    return { ...counts, workersPolling };
  }

  /** Applies `decide` with compare-and-set, re-reading and re-deciding when another write won. */
  private async transition(
    environmentId: string,
    workId: string,
    decide: (item: WorkItemRecord, now: string) => Transition,
  ): Promise<WorkItemRecord> {
    for (let round = 0; round < CAS_ROUNDS; round++) {
      const item = await this.get(environmentId, workId);
      const decision = decide(item, this.deps.now());
      if (decision.type === 'conflict') throw conflict(decision.message);
      if (decision.type === 'unchanged') return item;
      if (await this.deps.store.work.update(decision.next)) return written(decision.next);
    }
    throw busy(workId);
  }
}

const busy = (workId: string) =>
  new ApiError(409, 'invalid_request_error', `work item ${workId} is being changed concurrently; retry`);

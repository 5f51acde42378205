// Repositories of self-hosted environments: the work queue and environment keys (records in domain/records/work.ts).
import type { EnvironmentKeyRecord, WorkItemRecord, WorkTokenRecord } from '../domain/records/work.js';
import type { Page, PageRequest } from './page.js';

export { OPEN_WORK_STATES, WorkState, type EnvironmentKeyRecord, type WorkItemRecord, type WorkTokenRecord } from '../domain/records/work.js';

export interface WorkQueueCounts {
  /** Queued and not handed out by a poll yet. */
  depth: number;
  /** Handed out by a poll, not acknowledged yet. */
  pending: number;
  /** created_at of the oldest queued item (waiting or pending). */
  oldestQueuedAt: string | null;
}

export interface WorkRepository {
  /**
   * Inserts `item` unless its session already has an open item (queued, starting or active);
   * returns the session's open item either way, and whether it is the one just inserted.
   */
  offer(item: WorkItemRecord): Promise<{ item: WorkItemRecord; created: boolean }>;
  get(environmentId: string, id: string): Promise<WorkItemRecord | undefined>;
  /** By id alone (resolving a session token). */
  find(id: string): Promise<WorkItemRecord | undefined>;
  /** The session's open item, if any. */
  openForSession(sessionId: string): Promise<WorkItemRecord | undefined>;
  /** Keyset-paged by id. */
  list(environmentId: string, page: PageRequest): Promise<Page<WorkItemRecord>>;
  /**
   * Oldest first: queued items not handed out (or handed out before `reclaimBefore` and never
   * acknowledged), and starting/active items whose lease lapsed before `now`.
   */
  claimable(environmentId: string, now: string, reclaimBefore: string, limit: number): Promise<WorkItemRecord[]>;
  /** Stopping items whose lease lapsed before `now` (their worker died while shutting down). */
  lapsedStopping(environmentId: string, now: string): Promise<WorkItemRecord[]>;
  /** Writes `next` (revision + 1) if the stored revision is still `next.revision`; false otherwise. */
  update(next: WorkItemRecord): Promise<boolean>;
  /** Stops the session's queued items no poll has handed out, created at or before `before`. */
  stopUnclaimed(sessionId: string, before: string, at: string): Promise<number>;
  counts(environmentId: string): Promise<WorkQueueCounts>;
  /** Records that `workerId` polled `environmentId` at `at`. */
  notePoll(environmentId: string, workerId: string, at: string): Promise<void>;
  /** Distinct workers that polled `environmentId` at or after `since`. */
  pollersSince(environmentId: string, since: string): Promise<number>;
  /** Stores a per-claim session token by its digest (the token itself is never stored). */
  addToken(token: WorkTokenRecord): Promise<void>;
  findToken(digest: string): Promise<WorkTokenRecord | undefined>;
}

export interface EnvironmentKeyRepository {
  insert(key: EnvironmentKeyRecord): Promise<void>;
  findByDigest(digest: string): Promise<EnvironmentKeyRecord | undefined>;
  list(environmentId: string): Promise<EnvironmentKeyRecord[]>;
  /** False if there was no such key in that environment. */
  delete(environmentId: string, id: string): Promise<boolean>;
}

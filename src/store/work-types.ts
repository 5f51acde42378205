// Store records and repositories of self-hosted environments: the work queue and environment keys.
import type { Page, PageRequest } from './types.js';

/** A work item's states, as the SDK's `BetaSelfHostedWork.state` names them. */
export const WorkState = {
  queued: 'queued',
  starting: 'starting',
  active: 'active',
  stopping: 'stopping',
  stopped: 'stopped',
} as const;
export type WorkState = (typeof WorkState)[keyof typeof WorkState];

/** States in which an item still offers its session: a session has at most one such item. */
export const OPEN_WORK_STATES: readonly WorkState[] = ['queued', 'starting', 'active'];

export interface WorkItemRecord {
  id: string;
  workspaceId: string;
  environmentId: string;
  /** The session this item offers (`data: { type: 'session', id }`). */
  sessionId: string;
  state: WorkState;
  metadata: Record<string, string>;
  /** Lease generation: +1 each time a poll hands the item out, so a stale holder can be told apart. */
  claim: number;
  /** Bumped by every write; writes compare-and-set on it. */
  revision: number;
  /** When the current claim was handed out by a poll (pending until acknowledged). */
  claimedAt: string | null;
  /** The `Anthropic-Worker-ID` of the poll that holds the current claim. */
  claimedBy: string | null;
  createdAt: string;
  acknowledgedAt: string | null;
  startedAt: string | null;
  latestHeartbeatAt: string | null;
  /** The holder is presumed dead after this (ack and every heartbeat push it out). */
  leaseExpiresAt: string | null;
  stopRequestedAt: string | null;
  stoppedAt: string | null;
}

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

export interface WorkTokenRecord {
  /** Hex SHA-256 of the token. */
  digest: string;
  workId: string;
  /** The claim it was minted for: a token of an earlier claim no longer holds the lease. */
  claim: number;
  createdAt: string;
}

export interface EnvironmentKeyRecord {
  id: string;
  workspaceId: string;
  environmentId: string;
  /** Hex SHA-256 of the key: the key itself is shown once and never stored. */
  digest: string;
  /** The key's last characters, so a listed key can be recognised. */
  hint: string;
  createdAt: string;
}

export interface EnvironmentKeyRepository {
  insert(key: EnvironmentKeyRecord): Promise<void>;
  findByDigest(digest: string): Promise<EnvironmentKeyRecord | undefined>;
  list(environmentId: string): Promise<EnvironmentKeyRecord[]>;
  /** False if there was no such key in that environment. */
  delete(environmentId: string, id: string): Promise<boolean>;
}

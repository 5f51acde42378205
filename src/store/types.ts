// Repository interfaces (the store's side of the domain's records). Business code depends on these,
// never on a driver. The record types belong to the domain and are re-exported here for convenience.
import type { FileMetadata } from '../api/wire.js';
import type { AgentRecord, AgentVersionRecord } from '../domain/records/agent.js';
import type { EnvironmentRecord } from '../domain/records/environment.js';
import type { EventRecord, NewEvent } from '../domain/records/event.js';
import type { FileRecord } from '../domain/records/file.js';
import type { SessionRecord, SessionStatus, StoredResource } from '../domain/records/session.js';
import type { CreatedAtFilter, Page, PageRequest } from './page.js';
import type { EnvironmentKeyRepository, WorkRepository } from './work-types.js';
import type { ConversationRepository, UsageLedgerRepository, UsageRecord } from './usage-types.js';
import type { BatchRepository } from './batch-types.js';
import type { MemoryStoreRepository } from './memory-types.js';
import type { SkillRepository } from './skill-types.js';
import type { DeploymentRepository } from './deployment-types.js';
import type { WebhookRepository } from './webhook-types.js';
import type { TelemetryDestinationRepository } from './telemetry-destination-types.js';
import type { VaultRepository } from './vault-types.js';
import type { BlobStore } from './blob-store.js';
import type { WorkspaceSnapshotRepository } from './workspace-snapshot-types.js';

export type { AgentRecord, AgentSnapshot, AgentVersionRecord } from '../domain/records/agent.js';
export type { EnvironmentRecord } from '../domain/records/environment.js';
export type { EventRecord, NewEvent } from '../domain/records/event.js';
export type { FileRecord } from '../domain/records/file.js';
export { SessionStatus, type SessionRecord, type StoredResource } from '../domain/records/session.js';
export type { CreatedAtFilter, Page, PageRequest } from './page.js';
export type { FileMetadata };

/** A stretch of one session's log: seqs `first` to `last`, inclusive. */
export interface EventRange {
  sessionId: string;
  first: number;
  last: number;
}

/** The lease a session runner holds: its owner and the token its acquisition got (fenced writes). */
export interface LeaseFence {
  owner: string;
  token: number;
}

/**
 * The signal an append sends with its rows, to the other processes (the event bus's announcement):
 * payload = `before` + first seq + ' ' + last seq + `after`, since the numbers are known only then.
 */
/** Who asks to take sessions' leases, and when: a lease is theirs to take if none is held, they hold it, or it lapsed. */
export interface LeaseClaim {
  owner: string;
  now: string;
}

export interface RangeAnnouncement {
  channel: string;
  before: string;
  after: string;
}

export interface AgentRepository {
  insert(agent: AgentRecord): Promise<void>;
  get(workspaceId: string, id: string): Promise<AgentRecord | undefined>;
  getVersion(agentId: string, version: number): Promise<AgentVersionRecord | undefined>;
  /** Writes a new version and makes it current; false if `expectedVersion` is no longer current. */
  addVersion(agent: AgentRecord, expectedVersion: number): Promise<boolean>;
  archive(id: string, at: string): Promise<void>;
  list(
    workspaceId: string,
    filter: { includeArchived: boolean; createdAt: CreatedAtFilter },
    page: PageRequest,
  ): Promise<Page<AgentRecord>>;
  listVersions(agentId: string, page: PageRequest<number>): Promise<Page<AgentVersionRecord>>;
}

export interface EnvironmentRepository {
  /** insert and update throw UniqueViolationError (store/errors.ts) when the name is taken in the workspace. */
  insert(env: EnvironmentRecord): Promise<void>;
  get(workspaceId: string, id: string): Promise<EnvironmentRecord | undefined>;
  getByName(workspaceId: string, name: string): Promise<EnvironmentRecord | undefined>;
  update(env: EnvironmentRecord): Promise<void>;
  delete(id: string): Promise<void>;
  list(workspaceId: string, filter: { includeArchived: boolean }, page: PageRequest): Promise<Page<EnvironmentRecord>>;
}

export interface SessionFilter {
  includeArchived: boolean;
  agentId?: string | undefined;
  agentVersion?: number | undefined;
  environmentId?: string | undefined;
  deploymentId?: string | undefined;
  /** Sessions that mount this memory store. */
  memoryStoreId?: string | undefined;
  statuses?: SessionStatus[] | undefined;
  createdAt: CreatedAtFilter;
}

/** What an engine write changes on the session row (status, token totals, cost and active time, outcomes). */
export interface RuntimePatch {
  status?: SessionStatus | undefined;
  usage?: SessionRecord['usage'] | undefined;
  runtime?: SessionRecord['runtime'] | undefined;
  outcomeEvaluations?: SessionRecord['outcomeEvaluations'] | undefined;
}

export interface SessionRepository {
  insert(session: SessionRecord): Promise<void>;
  get(workspaceId: string, id: string): Promise<SessionRecord | undefined>;
  /**
   * Writes the session's fields, except `lastSeq` (the log's), `resources` (see replaceResources) and what the
   * engine's writes own (status, usage, runtime, outcome evaluations: setRuntime).
   */
  update(session: SessionRecord): Promise<void>;
  delete(id: string): Promise<void>;
  countActiveInEnvironment(environmentId: string): Promise<number>;
  list(workspaceId: string, filter: SessionFilter, page: PageRequest): Promise<Page<SessionRecord>>;
  /** Looks a session up by id alone (the engine works across workspaces). */
  find(id: string): Promise<SessionRecord | undefined>;
  /** Replaces the resources (and updated_at) if they are still `expected`; false if they changed meanwhile. */
  replaceResources(id: string, expected: StoredResource[], next: StoredResource[], at: string): Promise<boolean>;
  /**
   * Inside a transaction: takes the session row's write lock until it ends, so what the
   * transaction read of the session's log still holds when it appends (serialises writers).
   * Returns the session as locked (undefined: no such session). With `reserve`, the same statement
   * also reserves that many sequence numbers, the returned `lastSeq` being the last of them: the
   * transaction then appends with `events.append(..., reservedThrough)` (one round trip fewer).
   */
  lockLog(id: string, reserve?: number): Promise<SessionRecord | undefined>;
  /**
   * Engine-owned fields, written without touching what clients edit (title, metadata...). With
   * `reserve` (inside a transaction that locked the row), also reserves that many sequence numbers
   * for `events.append(..., reservedThrough)`. Returns the session's `lastSeq` after the update.
   */
  setRuntime(id: string, patch: RuntimePatch, at: string, reserve?: number): Promise<number | undefined>;
  /** Sessions that are not archived, per status (the sessions gauge). */
  countByStatus(): Promise<Record<string, number>>;
  /**
   * Takes the session's lease if it is free, lapsed, or already `owner`'s, and returns its new
   * fencing token (every acquisition gets a higher one); undefined if another owner holds it.
   */
  acquireLease(id: string, owner: string, now: string, until: string): Promise<number | undefined>;
  /**
   * Extends the leases `owner` acquired with these tokens, in one pass; returns the ids renewed (a lease lost to
   * another owner, or re-acquired under a newer token, is not).
   */
  renewLeases(owner: string, leases: ReadonlyArray<{ id: string; token: number }>, until: string): Promise<Set<string>>;
  releaseLease(id: string, owner: string, token: number): Promise<void>;
  /**
   * Whether the lease acquired with `token` is still the session's; in a transaction it also locks
   * the session row until commit, so no takeover can slip in between this check and the writes.
   */
  holdsLease(id: string, owner: string, token: number): Promise<boolean>;
  /** holdsLease and find in one: the session, locked for the transaction, if the lease is still `token`'s. */
  findFenced(id: string, owner: string, token: number): Promise<SessionRecord | undefined>;
  /**
   * Ids of sessions in any of `statuses` (the engine's recovery scan); with `claimable`, only those
   * whose lease is free, lapsed at `now`, or `owner`'s (a live lease of another runner is skipped).
   */
  idsWithStatus(statuses: SessionStatus[], claimable?: LeaseClaim): Promise<string[]>;
}

/** Which stream's events: the session's (its own plus cross-posted ones) or one thread's. */
export type EventView = { kind: 'session' } | { kind: 'thread'; threadId: string | null };

export interface EventFilter {
  types?: string[] | undefined;
  view?: EventView | undefined;
  createdAt: CreatedAtFilter;
}

export interface EventRepository {
  /** Appends atomically, giving each event the session's next sequence numbers. */
  /** With `fence`: only while that lease holds the session, else LeaseLost (store/errors.ts). */
  /**
   * With `reservedThrough` (the `lastSeq` this transaction's lockLog or setRuntime returned): the
   * events take the numbers reserved up to it, with no reservation of their own.
   */
  append(sessionId: string, events: NewEvent[], fence?: LeaseFence, reservedThrough?: number): Promise<EventRecord[]>;
  /**
   * Appends while `fence` holds the session (else LeaseLost), in a transaction of its own, sending
   * `announce` with the rows (only on a store with signals). PostgreSQL does it in one statement.
   */
  appendFenced(sessionId: string, events: NewEvent[], fence: LeaseFence, announce?: RangeAnnouncement): Promise<EventRecord[]>;
  /**
   * Appends to a session of `workspaceId` that is neither archived nor terminated, with the checks in the
   * reservation itself: on PostgreSQL one statement (with `announce`), on SQLite a transaction of two. Undefined:
   * nothing appended — no such session, or one that takes no input; the caller then appends in a transaction that
   * says which.
   */
  appendToOpenSession(workspaceId: string, sessionId: string, events: NewEvent[], announce?: RangeAnnouncement): Promise<EventRecord[] | undefined>;
  /** setInternal for several events while `fence` holds the session, in one transaction; false (nothing changed): the lease is lost. */
  setInternalsFenced(sessionId: string, internals: ReadonlyArray<{ id: string; internal: unknown }>, fence: LeaseFence): Promise<boolean>;
  list(sessionId: string, filter: EventFilter, page: PageRequest<number>): Promise<Page<EventRecord>>;
  /** Events with seq > afterSeq, oldest first: the tail a stream follows. */
  after(sessionId: string, afterSeq: number, limit: number): Promise<EventRecord[]>;
  /** The events of several sessions' seq ranges (inclusive), in one read: by session id, then seq; without `internal` (streams' reads). */
  ranges(ranges: readonly EventRange[]): Promise<EventRecord[]>;
  get(sessionId: string, id: string): Promise<EventRecord | undefined>;
  /** Stamps `processed_at` on queued events. */
  markProcessed(sessionId: string, ids: string[], at: string): Promise<void>;
  /**
   * Sessions that have queued (unprocessed) events; with `claimable`, only those `owner` could take the lease of at
   * `now` (none, its own, or lapsed): a live lease's holder runs the input itself.
   */
  sessionsWithQueuedEvents(claimable?: LeaseClaim): Promise<string[]>;
  /** Whether the session has queued input (events not yet processed) after `afterSeq`. */
  hasQueued(sessionId: string, afterSeq: number): Promise<boolean>;
  /** Replaces an event's engine-only data (never its wire body). */
  setInternal(sessionId: string, id: string, internal: unknown): Promise<void>;
}

export interface GeneratedKeyRepository {
  /** The stored digest (hex SHA-256), if a key was generated. */
  get(): Promise<string | undefined>;
  /** Stores `digest` unless one is stored already; returns the one that is stored afterwards. */
  claim(digest: string, at: string): Promise<string>;
}

export interface FileRepository {
  insert(file: FileRecord): Promise<void>;
  get(workspaceId: string, id: string): Promise<FileRecord | undefined>;
  delete(id: string): Promise<void>;
  deleteByScope(sessionId: string): Promise<FileRecord[]>;
  list(
    workspaceId: string,
    filter: { scopeSessionId?: string | undefined; ids?: string[] | undefined },
    page: PageRequest,
  ): Promise<Page<FileRecord>>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  readonly agents: AgentRepository;
  readonly environments: EnvironmentRepository;
  readonly sessions: SessionRepository;
  readonly events: EventRepository;
  readonly files: FileRepository;
  /** Self-hosted environments' work queue and environment keys (store/work-types.ts). */
  readonly work: WorkRepository;
  readonly environmentKeys: EnvironmentKeyRepository;
  /** One row per model call, and the gateway's conversations (store/usage-types.ts). */
  readonly usage: UsageLedgerRepository;
  readonly conversations: ConversationRepository;
  /** Message Batches and their requests (store/batch-types.ts). */
  readonly batches: BatchRepository;
  /** Memory stores, their memories and versions (store/memory-types.ts). */
  readonly memoryStores: MemoryStoreRepository;
  /** Custom skills and their versions (store/skill-types.ts). */
  readonly skills: SkillRepository;
  /** Deployments and their runs (store/deployment-types.ts). */
  readonly deployments: DeploymentRepository;
  /** Webhook endpoints and the delivery outbox (store/webhook-types.ts). */
  readonly webhooks: WebhookRepository;
  /** Telemetry destinations: OTLP collectors that receive spans (store/telemetry-destination-types.ts). */
  readonly telemetryDestinations: TelemetryDestinationRepository;
  /** Vaults and their credentials, secrets sealed (store/vault-types.ts). */
  readonly vaults: VaultRepository;
  /** The generated API key's digest, shared by every replica of the database. */
  readonly generatedKey: GeneratedKeyRepository;
  /** Workspace snapshots of sessions: rows here, bytes in the blob store (store/workspace-snapshot-types.ts). */
  readonly workspaceSnapshots: WorkspaceSnapshotRepository;
  /** Runs `fn` atomically; the store it receives is bound to the transaction. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /** Answers a trivial query: the database is reachable (readiness). */
  ping(): Promise<void>;
  /**
   * Signals to the other processes on this database (PostgreSQL LISTEN/NOTIFY). Absent where one
   * process owns the database (SQLite): its followers are woken in-process.
   */
  readonly signals?: StoreSignals | undefined;
  /**
   * File bytes kept in the database itself, so every process on it serves every file (PostgreSQL).
   * Absent where one process owns the database (SQLite): its bytes stay in the data directory.
   */
  readonly blobs?: BlobStore | undefined;
  /**
   * An engine write that touches the session's row, in one statement (PostgreSQL; absent elsewhere): see
   * SessionWrite. Undefined: nothing was written (the lease is lost, or the row's runtime fields are not
   * `expected`), and the caller makes the write in a transaction instead.
   */
  readonly writeSession?:
    | ((sessionId: string, write: SessionWrite, fence: LeaseFence, announce?: RangeAnnouncement) => Promise<EventRecord[] | undefined>)
    | undefined;
  close(): Promise<void>;
}

/**
 * An engine write computed from the session's runtime fields as the writer last saw them (`expected`): the row's new
 * values (`patch`), the events appended after its last_seq, queued events stamped processed at `at`, engine markers,
 * and the model calls' ledger rows.
 */
export interface SessionWrite {
  at: string;
  events: NewEvent[];
  processed: string[];
  internals: ReadonlyArray<{ id: string; internal: unknown }>;
  calls: UsageRecord[];
  patch: RuntimePatch;
  expected: Pick<SessionRecord, 'usage' | 'runtime' | 'outcomeEvaluations' | 'budget'>;
  /** The webhook event types the events cause: the write is refused if an enabled endpoint subscribes to one. */
  webhookTypes?: readonly string[] | undefined;
}

/** What a signal listener is told. */
export interface SignalHandlers {
  onSignal(channel: string, payload: string): void;
  /** The listening connection was lost: signals are missed until onReconnected. */
  onDisconnected(): void;
  /** The listening connection was lost and is back: signals sent meanwhile were missed. */
  onReconnected(): void;
}

/** A dedicated listening connection: its fixed channels, and channels added and removed while it runs. */
export interface SignalListener {
  /**
   * Listens on `channel` too (again after every reconnect, until removed). Resolves once listening, or at once
   * while the connection is down: signals sent meanwhile are missed, and onReconnected says so when it is back.
   */
  add(channel: string): Promise<void>;
  /** Stops listening on a channel `add` gave. */
  remove(channel: string): Promise<void>;
  close(): Promise<void>;
}

export interface StoreSignals {
  /** Sends on the store's transaction (or on its own): delivered to listeners only when that commits. */
  send(channel: string, payload: string): Promise<void>;
  /** Listens on `channels` on a dedicated connection that reconnects by itself; resolves once listening. */
  listen(channels: readonly string[], handlers: SignalHandlers): Promise<SignalListener>;
}

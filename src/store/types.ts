// Store records and repository interfaces. Business code depends on these, never on a driver.
import type {
  Agent,
  Environment,
  FileMetadata,
  SessionAgent,
  SessionResource,
  SessionUsage,
} from '../api/wire.js';
import type { EnvironmentKeyRepository, WorkRepository } from './work-types.js';

/** The versioned part of an agent: everything except identity and timestamps. */
export type AgentSnapshot = Omit<Agent, 'id' | 'type' | 'version' | 'created_at' | 'updated_at' | 'archived_at'>;

export interface AgentRecord {
  id: string;
  workspaceId: string;
  version: number;
  snapshot: AgentSnapshot;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
}

export interface AgentVersionRecord {
  agentId: string;
  version: number;
  snapshot: AgentSnapshot;
  createdAt: string;
}

export interface EnvironmentRecord {
  id: string;
  workspaceId: string;
  name: string;
  description: string | null;
  config: Environment['config'];
  metadata: Record<string, string>;
  scope: Environment['scope'] | null;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
}

export const SessionStatus = {
  idle: 'idle',
  running: 'running',
  rescheduling: 'rescheduling',
  terminated: 'terminated',
} as const;
export type SessionStatus = (typeof SessionStatus)[keyof typeof SessionStatus];

/** Secret parts of a resource (e.g. a repository token): stored, never presented. */
export interface StoredResource {
  resource: SessionResource;
  secret?: { authorization_token?: string } | undefined;
}

export interface SessionRecord {
  id: string;
  workspaceId: string;
  environmentId: string;
  agentId: string;
  agentVersion: number;
  agent: SessionAgent;
  title: string | null;
  metadata: Record<string, string>;
  status: SessionStatus;
  resources: StoredResource[];
  vaultIds: string[];
  usage: SessionUsage;
  budget: unknown;
  deploymentId: string | null;
  lastSeq: number;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
}

/** One entry of a session's append-only log. `body` is the wire event without `processed_at`. */
export interface EventRecord {
  sessionId: string;
  seq: number;
  id: string;
  threadId: string | null;
  type: string;
  body: Record<string, unknown> & { id: string; type: string };
  processedAt: string | null;
  createdAt: string;
  /** Engine data kept with the event and never presented (exact model content, tool_use ids). */
  internal?: unknown;
}

export type NewEvent = Omit<EventRecord, 'sessionId' | 'seq'>;

export interface FileRecord {
  id: string;
  workspaceId: string;
  filename: string;
  mimeType: string;
  sizeBytes: number;
  scopeSessionId: string | null;
  downloadable: boolean;
  createdAt: string;
  expiresAt: string | null;
}
export type { FileMetadata };

/** A keyset page request: `cursor` is the sort key of the item the page starts after (or before). */
export interface PageRequest<K extends string | number = string> {
  limit: number;
  order: 'asc' | 'desc';
  cursor?: { key: K; direction: 'next' | 'prev' } | undefined;
}

export interface Page<T> {
  items: T[];
  /** More items exist beyond this page in the direction of travel. */
  hasMore: boolean;
}

export interface CreatedAtFilter {
  gt?: string | undefined;
  gte?: string | undefined;
  lt?: string | undefined;
  lte?: string | undefined;
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
  statuses?: SessionStatus[] | undefined;
  createdAt: CreatedAtFilter;
}

export interface SessionRepository {
  insert(session: SessionRecord): Promise<void>;
  get(workspaceId: string, id: string): Promise<SessionRecord | undefined>;
  /** Writes the session's fields, except `lastSeq` (the log's) and `resources` (see replaceResources). */
  update(session: SessionRecord): Promise<void>;
  delete(id: string): Promise<void>;
  countActiveInEnvironment(environmentId: string): Promise<number>;
  list(workspaceId: string, filter: SessionFilter, page: PageRequest): Promise<Page<SessionRecord>>;
  /** Looks a session up by id alone (the engine works across workspaces). */
  find(id: string): Promise<SessionRecord | undefined>;
  /** Replaces the resources (and updated_at) if they are still `expected`; false if they changed meanwhile. */
  replaceResources(id: string, expected: StoredResource[], next: StoredResource[], at: string): Promise<boolean>;
  /** Engine-owned fields, written without touching what clients edit (title, metadata...). */
  setRuntime(id: string, patch: { status?: SessionStatus; usage?: SessionRecord['usage'] }, at: string): Promise<void>;
  /** Takes the session's lease if it is free, lapsed, or already `owner`'s. */
  acquireLease(id: string, owner: string, now: string, until: string): Promise<boolean>;
  /** Extends a lease `owner` still holds; false if it was lost. */
  renewLease(id: string, owner: string, until: string): Promise<boolean>;
  releaseLease(id: string, owner: string): Promise<void>;
  /** Ids of sessions in any of `statuses` (the engine's recovery scan). */
  idsWithStatus(statuses: SessionStatus[]): Promise<string[]>;
}

export interface EventFilter {
  types?: string[] | undefined;
  createdAt: CreatedAtFilter;
}

export interface EventRepository {
  /** Appends atomically, giving each event the session's next sequence numbers. */
  append(sessionId: string, events: NewEvent[]): Promise<EventRecord[]>;
  list(sessionId: string, filter: EventFilter, page: PageRequest<number>): Promise<Page<EventRecord>>;
  /** Events with seq > afterSeq, oldest first: the tail a stream follows. */
  after(sessionId: string, afterSeq: number, limit: number): Promise<EventRecord[]>;
  get(sessionId: string, id: string): Promise<EventRecord | undefined>;
  /** Stamps `processed_at` on queued events. */
  markProcessed(sessionId: string, ids: string[], at: string): Promise<void>;
  /** Sessions that have queued (unprocessed) events. */
  sessionsWithQueuedEvents(): Promise<string[]>;
  /** Replaces an event's engine-only data (never its wire body). */
  setInternal(sessionId: string, id: string, internal: unknown): Promise<void>;
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
  /** Runs `fn` atomically; the store it receives is bound to the transaction. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

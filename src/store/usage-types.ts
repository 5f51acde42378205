// Repositories of the usage ledger and the gateway's conversations (records in domain/records/usage.ts).
import type {
  CapturedContent,
  ConversationRecord,
  UsageRecord,
} from '../domain/records/usage.js';
import type { Page, PageRequest } from './page.js';

export {
  UsageProduct,
  type CapturedContent,
  type ConversationRecord,
  type ConversationSource,
  type ConversationTotals,
  type UsageRecord,
} from '../domain/records/usage.js';

/** Dimensions a usage or cost report can be grouped and filtered by. */
export const REPORT_DIMENSIONS = ['agent_id', 'session_id', 'deployment_id', 'environment_id', 'model', 'api_key_id', 'workspace_id', 'product'] as const;
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];

/** What a report's rows are ordered by. */
export type ReportOrderBy = 'total_tokens' | 'output_tokens' | 'requests' | 'uncached_input_tokens' | 'list_cost' | 'time';

export interface UsageReportQuery {
  workspaceId: string;
  /** Inclusive, exclusive; whole hours (whole minutes with the `1m` bucket). ISO-8601 UTC. */
  start: string;
  end: string;
  bucket: '1m' | '1h' | '1d' | undefined;
  groupBy: readonly ReportDimension[];
  /** Values a dimension must take (null: calls without one). */
  filters: Partial<Record<ReportDimension, ReadonlyArray<string | null>>>;
  orderBy: ReportOrderBy;
  order: 'asc' | 'desc';
  limit: number;
  offset: number;
}

export interface UsageReportRow {
  /** The bucket's start (`YYYY-MM-DDTHH`, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM`), when bucketed. */
  bucket: string | null;
  /** Values of the grouped dimensions (null: none). */
  group: Partial<Record<ReportDimension, string | null>>;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreation5mInputTokens: number;
  cacheCreation1hInputTokens: number;
  listCostNanoUsd: number;
}

export interface UsageLedgerRepository {
  /** Sums of the ledger per group (and bucket), from the hourly rollups (the raw ledger for `1m`). */
  report(query: UsageReportQuery): Promise<UsageReportRow[]>;
  /** Writers batch their rows: one statement for many calls. The hourly rollups move with them (same transaction). */
  insertMany(records: readonly UsageRecord[]): Promise<void>;
  /** A session's model calls, oldest first (keyset by call id). */
  listBySession(workspaceId: string, sessionId: string, page: PageRequest): Promise<Page<UsageRecord>>;
  /** A conversation's calls, oldest first (keyset by call id). */
  listByConversation(workspaceId: string, conversationId: string, page: PageRequest): Promise<Page<UsageRecord>>;
  /** The conversation of the call that produced `messageId` (how a thread continuation finds its conversation). */
  conversationOfMessage(workspaceId: string, messageId: string): Promise<string | undefined>;
}

/** What some calls add to one conversation (its row is created by the first). */
export type ConversationDelta = ConversationRecord;

export interface ConversationRepository {
  /**
   * Adds calls to their conversations, one delta per conversation: totals summed, first call kept, last call and
   * model replaced.
   */
  addMany(deltas: readonly ConversationDelta[]): Promise<void>;
  get(workspaceId: string, id: string): Promise<ConversationRecord | undefined>;
  /** Newest first by first call (keyset by row id). */
  list(workspaceId: string, filter: { userId?: string | undefined }, page: PageRequest): Promise<Page<ConversationRecord>>;
  saveContents(contents: readonly CapturedContent[]): Promise<void>;
  contentOf(callIds: string[]): Promise<Map<string, CapturedContent>>;
  /** Drops captured content older than `before`; returns how many calls lost theirs. */
  deleteContentBefore(before: string): Promise<number>;
}

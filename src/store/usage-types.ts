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

export interface UsageLedgerRepository {
  /** Writers batch their rows: one statement for many calls. */
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
  /** Adds calls to their conversation: totals summed, first call kept, last call and model replaced. */
  add(delta: ConversationDelta): Promise<void>;
  get(workspaceId: string, id: string): Promise<ConversationRecord | undefined>;
  /** Newest first by first call (keyset by row id). */
  list(workspaceId: string, filter: { userId?: string | undefined }, page: PageRequest): Promise<Page<ConversationRecord>>;
  saveContents(contents: readonly CapturedContent[]): Promise<void>;
  contentOf(callIds: string[]): Promise<Map<string, CapturedContent>>;
  /** Drops captured content older than `before`; returns how many calls lost theirs. */
  deleteContentBefore(before: string): Promise<number>;
}

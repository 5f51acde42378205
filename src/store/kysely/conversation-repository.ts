// The gateway's conversations: running totals kept per conversation, and captured call content.
import type { Insertable, Kysely, Selectable } from 'kysely';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Page, PageRequest } from '../types.js';
import type {
  CapturedContent,
  ConversationDelta,
  ConversationRecord,
  ConversationRepository,
  ConversationSource,
} from '../usage-types.js';
import { pageQuery, toPage } from './paging.js';
import { rowsShape, rowValues, runShaped } from './shaped-statements.js';
import type { Database } from './schema.js';
import type { GatewayConversationsTable } from './usage-schema.js';

const toRecord = (r: Selectable<GatewayConversationsTable>): ConversationRecord => ({
  workspaceId: r.workspace_id,
  id: r.id,
  rowId: r.row_id,
  source: r.source as ConversationSource,
  userId: r.user_id,
  firstCallAt: r.first_call_at,
  lastCallAt: r.last_call_at,
  lastModel: r.last_model,
  calls: Number(r.calls),
  erroredCalls: Number(r.errored_calls),
  inputTokens: Number(r.input_tokens),
  outputTokens: Number(r.output_tokens),
  cacheReadInputTokens: Number(r.cache_read_input_tokens),
  cacheCreation5mInputTokens: Number(r.cache_creation_5m_input_tokens),
  cacheCreation1hInputTokens: Number(r.cache_creation_1h_input_tokens),
  listCostNanoUsd: Number(r.list_cost_nanousd),
});

const conversationRow = (c: ConversationDelta): Insertable<GatewayConversationsTable> => ({
  workspace_id: c.workspaceId,
  id: c.id,
  row_id: c.rowId,
  source: c.source,
  user_id: c.userId,
  first_call_at: c.firstCallAt,
  last_call_at: c.lastCallAt,
  last_model: c.lastModel,
  calls: c.calls,
  errored_calls: c.erroredCalls,
  input_tokens: c.inputTokens,
  output_tokens: c.outputTokens,
  cache_read_input_tokens: c.cacheReadInputTokens,
  cache_creation_5m_input_tokens: c.cacheCreation5mInputTokens,
  cache_creation_1h_input_tokens: c.cacheCreation1hInputTokens,
  list_cost_nanousd: c.listCostNanoUsd,
});

/** Conversations per upsert (16 columns each: well under both dialects' parameter limits). */
const CONVERSATIONS_PER_STATEMENT = 50;

/** Columns that add up call by call. */
const SUMMED = [
  'calls',
  'errored_calls',
  'input_tokens',
  'output_tokens',
  'cache_read_input_tokens',
  'cache_creation_5m_input_tokens',
  'cache_creation_1h_input_tokens',
  'list_cost_nanousd',
] as const;

export class KyselyConversationRepository implements ConversationRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async addMany(deltas: readonly ConversationDelta[]): Promise<void> {
    // A statement per slice, its text built once per slice size (runShaped): one per conversation, each built by
    // Kysely, cost a write of 100 conversations ~8 ms of CPU more on SQLite (all of it on the event loop) and
    // ~16 ms on PostgreSQL (bench/ledger-flush.ts). A turn of the event loop between slices, as the ledger's own.
    for (let i = 0; i < deltas.length; i += CONVERSATIONS_PER_STATEMENT) {
      if (i > 0) await nextTurn();
      const rows = deltas.slice(i, i + CONVERSATIONS_PER_STATEMENT).map(conversationRow);
      const { columns, key } = rowsShape(rows);
      await runShaped(this.db, `upsert gateway_conversations ${key}`, rowValues(rows, columns), () => this.upsert(rows));
    }
  }

  /** Adds each row's calls to its conversation (rows of distinct conversations: one statement updates a row once). */
  private upsert(rows: Insertable<GatewayConversationsTable>[]) {
    return this.db
      .insertInto('gateway_conversations')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'id']).doUpdateSet((eb) => ({
          ...Object.fromEntries(
            SUMMED.map((col) => [col, eb(eb.ref(`gateway_conversations.${col}`), '+', eb.ref(`excluded.${col}`))]),
          ),
          last_call_at: eb.ref('excluded.last_call_at'),
          last_model: eb.ref('excluded.last_model'),
          // A user id seen later fills one the first call did not carry.
          user_id: eb.fn.coalesce('gateway_conversations.user_id', 'excluded.user_id'),
        })),
      );
  }

  async get(workspaceId: string, id: string): Promise<ConversationRecord | undefined> {
    const row = await this.db
      .selectFrom('gateway_conversations')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async list(workspaceId: string, filter: { userId?: string | undefined }, page: PageRequest): Promise<Page<ConversationRecord>> {
    let q = this.db.selectFrom('gateway_conversations').selectAll().where('workspace_id', '=', workspaceId);
    if (filter.userId !== undefined) q = q.where('user_id', '=', filter.userId);
    return toPage(await pageQuery(q, 'row_id', page).execute(), page, toRecord);
  }

  async saveContents(contents: readonly CapturedContent[]): Promise<void> {
    // One row at a time: each may be megabytes, and a multi-row statement would hold them all at once.
    for (const c of contents) {
      await this.db
        .insertInto('gateway_call_contents')
        .values({ call_id: c.callId, workspace_id: c.workspaceId, request: c.request, response: c.response, created_at: c.createdAt })
        .execute();
    }
  }

  async contentOf(callIds: string[]): Promise<Map<string, CapturedContent>> {
    if (callIds.length === 0) return new Map();
    const rows = await this.db.selectFrom('gateway_call_contents').selectAll().where('call_id', 'in', callIds).execute();
    return new Map(
      rows.map((r) => [
        r.call_id,
        { callId: r.call_id, workspaceId: r.workspace_id, request: r.request, response: r.response, createdAt: r.created_at },
      ]),
    );
  }

  async deleteContentBefore(before: string): Promise<number> {
    const result = await this.db.deleteFrom('gateway_call_contents').where('created_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

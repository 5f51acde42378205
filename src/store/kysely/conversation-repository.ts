// The gateway's conversations: running totals kept per conversation, and captured call content.
import type { Kysely, Selectable } from 'kysely';
import type { Page, PageRequest } from '../types.js';
import type {
  CapturedContent,
  ConversationDelta,
  ConversationRecord,
  ConversationRepository,
  ConversationSource,
} from '../usage-types.js';
import { pageQuery, toPage } from './paging.js';
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

  async add(c: ConversationDelta): Promise<void> {
    await this.db
      .insertInto('gateway_conversations')
      .values({
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
      })
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
      )
      .execute();
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

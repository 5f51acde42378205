// The usage ledger: one row per model call.
import type { Kysely, Selectable } from 'kysely';
import type { Page, PageRequest } from '../types.js';
import type { UsageLedgerRepository, UsageProduct, UsageRecord, UsageReportQuery, UsageReportRow } from '../usage-types.js';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { addToRollups, insertWithRollups } from './usage-rollups.js';
import { rowsShape, rowValues, runShaped } from './shaped-statements.js';
import { runUsageReport } from './usage-report-query.js';
import { fromJson, toJson } from './json.js';
import { pageQuery, toPage } from './paging.js';
import type { Database } from './schema.js';
import type { UsageLedgerTable } from './usage-schema.js';

const nullableNumber = (v: number | string | null): number | null => (v === null ? null : Number(v));

export const toUsageRecord = (r: Selectable<UsageLedgerTable>): UsageRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  apiKeyId: r.api_key_id,
  product: r.product as UsageProduct,
  callKind: r.call_kind,
  model: r.model,
  providerModel: r.provider_model,
  provider: r.provider,
  sessionId: r.session_id,
  threadId: r.thread_id,
  agentId: r.agent_id,
  agentVersion: nullableNumber(r.agent_version),
  deploymentId: r.deployment_id,
  environmentId: r.environment_id,
  conversationId: r.conversation_id,
  batchId: r.batch_id,
  requestId: r.request_id,
  providerRequestId: r.provider_request_id,
  messageId: r.message_id,
  inputTokens: Number(r.input_tokens),
  outputTokens: Number(r.output_tokens),
  cacheReadInputTokens: Number(r.cache_read_input_tokens),
  cacheCreation5mInputTokens: Number(r.cache_creation_5m_input_tokens),
  cacheCreation1hInputTokens: Number(r.cache_creation_1h_input_tokens),
  listCostNanoUsd: nullableNumber(r.list_cost_nanousd),
  latencyMs: Number(r.latency_ms),
  ttftMs: nullableNumber(r.ttft_ms),
  stopReason: r.stop_reason,
  outcome: r.outcome,
  streamed: Number(r.streamed) === 1,
  toolNames: fromJson(r.tool_names),
  createdAt: r.created_at,
});

/** A call's ledger row (as written by insertMany, and by the engine's one-statement write on PostgreSQL). */
export const ledgerRow = (u: UsageRecord) => ({
  id: u.id,
  workspace_id: u.workspaceId,
  api_key_id: u.apiKeyId,
  product: u.product,
  call_kind: u.callKind,
  model: u.model,
  provider_model: u.providerModel,
  provider: u.provider,
  session_id: u.sessionId,
  thread_id: u.threadId,
  agent_id: u.agentId,
  agent_version: u.agentVersion,
  deployment_id: u.deploymentId,
  environment_id: u.environmentId,
  conversation_id: u.conversationId,
  batch_id: u.batchId,
  request_id: u.requestId,
  provider_request_id: u.providerRequestId,
  message_id: u.messageId,
  input_tokens: u.inputTokens,
  output_tokens: u.outputTokens,
  cache_read_input_tokens: u.cacheReadInputTokens,
  cache_creation_5m_input_tokens: u.cacheCreation5mInputTokens,
  cache_creation_1h_input_tokens: u.cacheCreation1hInputTokens,
  list_cost_nanousd: u.listCostNanoUsd,
  latency_ms: u.latencyMs,
  ttft_ms: u.ttftMs,
  stop_reason: u.stopReason,
  outcome: u.outcome,
  streamed: u.streamed ? 1 : 0,
  tool_names: toJson(u.toolNames),
  created_at: u.createdAt,
});

/** Calls written per statement; see insertMany. */
const CALLS_PER_SLICE = 16;

export class KyselyUsageLedgerRepository implements UsageLedgerRepository {
  constructor(
    private readonly db: Kysely<Database>,
    /** The database runs INSERT inside WITH (PostgreSQL does; SQLite does not). */
    private readonly insertsInWith: boolean,
  ) {}

  async insertMany(records: readonly UsageRecord[]): Promise<void> {
    // In slices with a turn of the event loop between them: building (and, on SQLite, running) one statement for
    // a whole batch held the loop for milliseconds, and every request in flight waited that long. A fixed slice
    // size also keeps the statement text the same, so prepared statements are reused.
    for (let i = 0; i < records.length; i += CALLS_PER_SLICE) {
      if (i > 0) await nextTurn();
      const slice = records.slice(i, i + CALLS_PER_SLICE);
      // The ledger rows and the rollups in one statement: one round trip per slice instead of five.
      if (this.insertsInWith) await insertWithRollups(this.db, slice.map(ledgerRow), slice);
      else {
        const rows = slice.map(ledgerRow);
        const { columns, key } = rowsShape(rows);
        await runShaped(this.db, `insert usage_ledger ${key}`, rowValues(rows, columns), () => this.db.insertInto('usage_ledger').values(rows));
      }
    }
    if (!this.insertsInWith && records.length > 0) {
      await nextTurn();
      await addToRollups(this.db, records);
    }
  }

  report(query: UsageReportQuery): Promise<UsageReportRow[]> {
    return runUsageReport(this.db, query);
  }


  async listBySession(workspaceId: string, sessionId: string, page: PageRequest): Promise<Page<UsageRecord>> {
    const q = this.db.selectFrom('usage_ledger').selectAll().where('session_id', '=', sessionId).where('workspace_id', '=', workspaceId);
    return toPage(await pageQuery(q, 'id', page).execute(), page, toUsageRecord);
  }

  async listByConversation(workspaceId: string, conversationId: string, page: PageRequest): Promise<Page<UsageRecord>> {
    const q = this.db
      .selectFrom('usage_ledger')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('conversation_id', '=', conversationId);
    return toPage(await pageQuery(q, 'id', page).execute(), page, toUsageRecord);
  }

  async conversationOfMessage(workspaceId: string, messageId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('usage_ledger')
      .select('conversation_id')
      .where('message_id', '=', messageId)
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirst();
    return row?.conversation_id ?? undefined;
  }
}

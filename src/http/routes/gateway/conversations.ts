// GET /v1/gateway/conversations and /{id}: agentd's own extension listing gateway conversations with their totals
// and calls (docs/gateway.md).
import type { FastifyInstance } from 'fastify';
import { notFound } from '../../../errors.js';
import type { Store } from '../../../store/types.js';
import type { CapturedContent, ConversationRecord, UsageRecord } from '../../../store/usage-types.js';
import { pageRequest, wirePage } from '../../pagination.js';
import { queryBoolean, queryString, type Query } from '../../query.js';

/** Nano-dollars as an exact decimal USD string. */
export function usdString(nano: number): string {
  const sign = nano < 0 ? '-' : '';
  const abs = Math.abs(nano);
  return `${sign}${Math.floor(abs / 1e9)}.${String(abs % 1e9).padStart(9, '0')}`;
}

const usage = (t: Pick<UsageRecord, 'inputTokens' | 'outputTokens' | 'cacheReadInputTokens' | 'cacheCreation5mInputTokens' | 'cacheCreation1hInputTokens'>) => ({
  input_tokens: t.inputTokens,
  output_tokens: t.outputTokens,
  cache_read_input_tokens: t.cacheReadInputTokens,
  cache_creation: {
    ephemeral_5m_input_tokens: t.cacheCreation5mInputTokens,
    ephemeral_1h_input_tokens: t.cacheCreation1hInputTokens,
  },
});

export const presentConversation = (c: ConversationRecord) => ({
  type: 'gateway_conversation' as const,
  id: c.id,
  source: c.source,
  user_id: c.userId,
  created_at: c.firstCallAt,
  last_call_at: c.lastCallAt,
  last_model: c.lastModel,
  call_count: c.calls,
  errored_call_count: c.erroredCalls,
  usage: usage(c),
  list_cost_usd: usdString(c.listCostNanoUsd),
  list_cost_nanousd: c.listCostNanoUsd,
});

export const presentCall = (u: UsageRecord, content?: CapturedContent) => ({
  type: 'gateway_call' as const,
  id: u.id,
  created_at: u.createdAt,
  product: u.product,
  call_kind: u.callKind,
  model: u.model,
  provider_model: u.providerModel,
  provider: u.provider,
  api_key_id: u.apiKeyId,
  request_id: u.requestId,
  provider_request_id: u.providerRequestId,
  message_id: u.messageId,
  batch_id: u.batchId,
  usage: usage(u),
  list_cost_usd: u.listCostNanoUsd === null ? null : usdString(u.listCostNanoUsd),
  list_cost_nanousd: u.listCostNanoUsd,
  latency_ms: u.latencyMs,
  ttft_ms: u.ttftMs,
  stop_reason: u.stopReason,
  outcome: u.outcome,
  streamed: u.streamed,
  tool_names: u.toolNames,
  ...(content ? { content: { request: JSON.parse(content.request) as unknown, response: JSON.parse(content.response) as unknown } } : {}),
});

export function conversationsRoutes(app: FastifyInstance, store: Store): void {
  app.get<{ Querystring: Query }>('/v1/gateway/conversations', async (req) => {
    const page = pageRequest<string>(req.query, { defaultLimit: 20, maxLimit: 1000, defaultOrder: 'desc', keyType: 'string' });
    const result = await store.conversations.list(req.workspaceId, { userId: queryString(req.query, 'user_id') }, page);
    return wirePage(result, page, (c) => c.rowId, presentConversation);
  });

  app.get<{ Params: { conversation_id: string }; Querystring: Query }>('/v1/gateway/conversations/:conversation_id', async (req) => {
    const id = req.params.conversation_id;
    const conversation = await store.conversations.get(req.workspaceId, id);
    if (!conversation) throw notFound(`conversation ${id} not found`);
    const page = pageRequest<string>(req.query, { defaultLimit: 100, maxLimit: 1000, defaultOrder: 'asc', keyType: 'string' });
    const calls = await store.usage.listByConversation(req.workspaceId, id, page);
    const contents = queryBoolean(req.query, 'include_content') ? await store.conversations.contentOf(calls.items.map((c) => c.id)) : new Map<string, CapturedContent>();
    const callsPage = wirePage(calls, page, (c) => c.id, (c) => presentCall(c, contents.get(c.id)));
    return { ...presentConversation(conversation), calls: callsPage.data, next_page: callsPage.next_page };
  });
}

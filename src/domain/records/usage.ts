// Usage-ledger records: one model call, and the gateway's conversations and captured content.

/** Which product a call belongs to, as the SDK's analytics name them. */
export const UsageProduct = {
  agents: 'agents',
  messagesApi: 'messages_api',
  messageBatchesApi: 'message_batches_api',
} as const;
export type UsageProduct = (typeof UsageProduct)[keyof typeof UsageProduct];

/** One model call. Costs are integer nano-dollars (1e-9 USD) at list price; null when the model has no known price. */
export interface UsageRecord {
  id: string;
  workspaceId: string;
  /** The API key that made the call (null until keys have ids; see docs/gateway.md). */
  apiKeyId: string | null;
  product: UsageProduct;
  /** What the call was: `message`, `count_tokens`, `chat_completion`, `batch_request`; agent calls add their own kinds. */
  callKind: string;
  /** As the client asked for it. */
  model: string;
  /** As the provider was sent it (after AGENTD_MODEL_MAP). */
  providerModel: string;
  provider: string;
  sessionId: string | null;
  threadId: string | null;
  agentId: string | null;
  agentVersion: number | null;
  deploymentId: string | null;
  environmentId: string | null;
  conversationId: string | null;
  batchId: string | null;
  /** agentd's request id (`req_…`), when the call served an HTTP request. */
  requestId: string | null;
  providerRequestId: string | null;
  /** The `msg_…` id of the reply. */
  messageId: string | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreation5mInputTokens: number;
  cacheCreation1hInputTokens: number;
  listCostNanoUsd: number | null;
  latencyMs: number;
  /** Time to the first content event of a streamed call. */
  ttftMs: number | null;
  stopReason: string | null;
  /** `ok`, or the error type the call ended with. */
  outcome: string;
  streamed: boolean;
  /** Tools the model asked to use in this call, in order. */
  toolNames: string[];
  createdAt: string;
}

/** How a call was assigned its conversation. */
export type ConversationSource = 'header' | 'prefix' | 'thread';

export interface ConversationTotals {
  calls: number;
  erroredCalls: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreation5mInputTokens: number;
  cacheCreation1hInputTokens: number;
  listCostNanoUsd: number;
}

export interface ConversationRecord extends ConversationTotals {
  workspaceId: string;
  id: string;
  /** Time-ordered key for listing (the public id may be a hash or a client's string). */
  rowId: string;
  source: ConversationSource;
  userId: string | null;
  firstCallAt: string;
  lastCallAt: string;
  lastModel: string;
}

/** Request and response bodies of one call, kept only with AGENTD_GATEWAY_CAPTURE=content. */
export interface CapturedContent {
  callId: string;
  workspaceId: string;
  request: string;
  response: string;
  createdAt: string;
}

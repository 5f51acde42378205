// One engine model call as a usage-ledger row: who it was for (session, agent, thread, environment),
// what it used and cost at list price, how long it took and how it ended.
import type { BetaMessage } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import { PRIMARY_THREAD } from '../domain/session-state.js';
import type { EngineConfig } from '../config/config.js';
import { UsageProduct, type UsageRecord } from '../store/usage-types.js';
import type { SessionRecord } from '../store/types.js';
import { NO_TOKENS, tokenUsage } from '../telemetry/token-usage.js';
import { pricedRecord } from '../telemetry/usage-ledger.js';
import type { PriceTable } from '../telemetry/prices.js';

/** What the engine's calls are, in the ledger's `call_kind`. */
export const EngineCallKind = { turn: 'agent_turn', compaction: 'compaction', grader: 'outcome_grader' } as const;
export type EngineCallKind = (typeof EngineCallKind)[keyof typeof EngineCallKind];

export interface EngineCall {
  session: SessionRecord;
  thread: string;
  kind: EngineCallKind;
  /** The model the request named. */
  model: string;
  /** The reply, when the call completed. */
  message: BetaMessage | undefined;
  /** `ok`, or why it did not complete (the session.error type, or `interrupted`). */
  outcome: string;
  latencyMs: number;
  at: string;
}

export function engineCallRecord(
  call: EngineCall,
  deps: { prices: PriceTable; config: Pick<EngineConfig, 'provider' | 'modelMap'> },
): UsageRecord {
  const { session, message } = call;
  const tools = (message?.content ?? []).flatMap((b) => (b.type === 'tool_use' || b.type === 'server_tool_use' || b.type === 'mcp_tool_use' ? [b.name] : []));
  return pricedRecord(deps.prices, {
    workspaceId: session.workspaceId,
    apiKeyId: null,
    product: UsageProduct.agents,
    callKind: call.kind,
    model: call.model,
    providerModel: deps.config.modelMap[call.model] ?? call.model,
    provider: deps.config.provider,
    sessionId: session.id,
    threadId: call.thread === PRIMARY_THREAD ? null : call.thread,
    agentId: session.agentId,
    agentVersion: session.agentVersion,
    deploymentId: session.deploymentId,
    environmentId: session.environmentId,
    conversationId: null,
    batchId: null,
    requestId: null,
    providerRequestId: null,
    messageId: message?.id ?? null,
    ...(message ? tokenUsage(message.usage) : NO_TOKENS),
    responseModel: message?.model,
    latencyMs: Math.round(call.latencyMs),
    ttftMs: null,
    stopReason: message?.stop_reason ?? null,
    outcome: call.outcome,
    streamed: true,
    toolNames: tools,
    createdAt: call.at,
  });
}

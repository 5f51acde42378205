// One gateway call: the body agentd forwards, its caller and conversation, the abort that cancels it, and the
// ledger record of what happened. Shared by /v1/messages, /v1/chat/completions and batch requests (admission from
// HTTP is src/http/routes/gateway/open-call.ts).
import { isoNow } from '../domain/clock.js';
import type { ModelCallOptions, RawMessagesBody } from '../engine/model/model-client.js';
import { invalidRequest } from '../errors.js';
import type { UsageProduct, UsageRecord } from '../store/usage-types.js';
import type { ConversationRef } from '../telemetry/usage-ledger.js';
import type { ReplyFacts } from './call-observer.js';
import type { Caller } from './caller.js';
import type { GatewayDeps } from './gateway-deps.js';
import type { LimitState } from './key-limits.js';
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
} from '@opentelemetry/semantic-conventions/incubating';
import { GEN_AI_PROVIDER_NAMES } from '../telemetry/gen-ai.js';
import { inboundTrace } from '../telemetry/trace-context.js';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The few things agentd itself must understand in a Messages body: that it is an object with a model id. Everything
 * else goes to the provider as sent, so the provider's own 400 names any other problem.
 */
export function messagesBody(raw: unknown): RawMessagesBody {
  if (!isRecord(raw)) throw invalidRequest('request body: expected a JSON object');
  const model = raw['model'];
  if (typeof model !== 'string' || model === '') throw invalidRequest('model: Field required (a model id such as "claude-opus-4-8")');
  checkLedgerFields(raw);
  return raw as RawMessagesBody;
}

/**
 * The fields of a Messages body the usage ledger stores must hold no NUL (PostgreSQL refuses it in text); the rest
 * goes to the provider as sent. `prefix` names where the body sits (a batch request's `requests.3.params.`).
 */
export function checkLedgerFields(raw: Record<string, unknown>, prefix = ''): void {
  const userId = isRecord(raw['metadata']) ? raw['metadata']['user_id'] : undefined;
  for (const [field, value] of [['model', raw['model']], ['metadata.user_id', userId]] as const) {
    if (typeof value === 'string' && value.includes('\0')) throw invalidRequest(`${prefix}${field}: must not contain a NUL character (\\u0000)`);
  }
}

export interface CallKind {
  product: UsageProduct;
  callKind: string;
  batchId?: string | undefined;
}

export interface CallDetail {
  streamed: boolean;
  ttftMs: number | null;
  providerRequestId: string | undefined;
  /** The response as captured (only with AGENTD_GATEWAY_CAPTURE=content). */
  response?: (() => string) | undefined;
}

export class GatewayCall {
  readonly startedAt = performance.now();
  readonly abort = new AbortController();
  /** The call's `chat` span (none for count_tokens, which generates nothing). */
  private readonly span: Span | undefined;

  constructor(
    readonly deps: GatewayDeps,
    readonly caller: Caller,
    readonly body: RawMessagesBody,
    readonly conversation: ConversationRef | undefined,
    readonly kind: CallKind,
    /** Limit states after admission, for the response headers. */
    readonly limits: LimitState[],
  ) {
    // Under the span of the HTTP request being handled (batch requests: a trace of their own).
    const parent = inboundTrace();
    this.span =
      kind.callKind === 'count_tokens'
        ? undefined
        : deps.tracer?.startSpan(
            `chat ${body.model}`,
            {
              kind: SpanKind.CLIENT,
              attributes: {
                [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
                [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_NAMES[deps.provider],
                [ATTR_GEN_AI_REQUEST_MODEL]: body.model,
                ...(conversation ? { [ATTR_GEN_AI_CONVERSATION_ID]: conversation.id } : {}),
                'agentd.workspace.id': caller.workspaceId,
              },
            },
            parent ? trace.setSpanContext(ROOT_CONTEXT, parent) : ROOT_CONTEXT,
          );
  }

  /** Ends the call's span with what the reply says. */
  private endSpan(facts: ReplyFacts): void {
    const span = this.span;
    if (!span) return;
    const u = facts.usage;
    span.setAttributes({
      ...(facts.responseModel ? { [ATTR_GEN_AI_RESPONSE_MODEL]: facts.responseModel } : {}),
      ...(facts.messageId ? { [ATTR_GEN_AI_RESPONSE_ID]: facts.messageId } : {}),
      [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: u.inputTokens,
      [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: u.outputTokens,
      [ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: u.cacheReadInputTokens,
      [ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS]: u.cacheCreation5mInputTokens + u.cacheCreation1hInputTokens,
      [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: facts.stopReason ? [facts.stopReason] : [],
    });
    if (facts.outcome !== 'ok') {
      span.setStatus({ code: SpanStatusCode.ERROR, message: facts.outcome });
      span.setAttribute('error.type', facts.outcome);
    }
    span.end();
  }

  get options(): ModelCallOptions {
    return {
      signal: this.abort.signal,
      betas: this.caller.betas,
      version: this.caller.version,
      context: { workspaceId: this.caller.workspaceId },
    };
  }

  /** Call as soon as the reply's id is known, before the client can continue the thread it starts. */
  replied(messageId: string | null): void {
    this.deps.replies.remember(this.caller.workspaceId, messageId, this.conversation?.id);
  }

  /** Records the call; resolves once stored. Token limits are charged with what the call used. */
  record(facts: ReplyFacts, detail: CallDetail): Promise<UsageRecord> {
    this.endSpan(facts);
    this.replied(facts.messageId);
    const u = facts.usage;
    this.deps.limits.charge(
      this.caller.limitKey,
      u.inputTokens + u.outputTokens + u.cacheReadInputTokens + u.cacheCreation5mInputTokens + u.cacheCreation1hInputTokens,
    );
    const createdAt = isoNow(this.deps.clock);
    const capture = this.deps.config.capture === 'content';
    return this.deps.ledger.record(
      {
        workspaceId: this.caller.workspaceId,
        apiKeyId: this.caller.apiKeyId,
        product: this.kind.product,
        callKind: this.kind.callKind,
        model: this.body.model,
        providerModel: this.deps.modelMap[this.body.model] ?? this.body.model,
        provider: this.deps.provider,
        sessionId: null,
        threadId: null,
        agentId: null,
        agentVersion: null,
        deploymentId: null,
        environmentId: null,
        conversationId: this.conversation?.id ?? null,
        batchId: this.kind.batchId ?? null,
        requestId: this.kind.batchId ? null : this.caller.requestId,
        providerRequestId: detail.providerRequestId ?? null,
        messageId: facts.messageId,
        ...u,
        responseModel: facts.responseModel,
        latencyMs: Math.round(performance.now() - this.startedAt),
        ttftMs: detail.ttftMs,
        stopReason: facts.stopReason,
        outcome: facts.outcome,
        streamed: detail.streamed,
        toolNames: facts.toolNames,
        createdAt,
      },
      {
        conversation: this.conversation,
        content:
          capture && detail.response
            ? { workspaceId: this.caller.workspaceId, request: JSON.stringify(this.body), response: detail.response(), createdAt }
            : undefined,
      },
    );
  }
}

/** Facts of a call without a reply (it failed, or it generates nothing, like count_tokens). */
export const emptyFacts = (outcome: string): ReplyFacts => ({
  messageId: null,
  responseModel: undefined,
  usage: { inputTokens: 0, outputTokens: 0, cacheReadInputTokens: 0, cacheCreation5mInputTokens: 0, cacheCreation1hInputTokens: 0 },
  stopReason: null,
  toolNames: [],
  outcome,
});

// The OpenTelemetry spans of one session's turns, per the GenAI semantic conventions: an
// `invoke_agent` span per turn of each thread (a child thread's turn under the coordinator's), a
// `chat` span per model call and an `execute_tool` span per tool agentd runs, under their turn's.
// Effects only: the engine's decisions never see them.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type SpanContext, type Tracer } from '@opentelemetry/api';
import type { BetaMessage } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import {
  ATTR_GEN_AI_AGENT_ID,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_AGENT_VERSION,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
} from '@opentelemetry/semantic-conventions/incubating';
import type { SessionAgent } from '../api/wire.js';
import type { ModelProviderName } from '../config/config.js';
import { PRIMARY_THREAD } from '../domain/session-state.js';
import type { ModelRequest } from './model/model-client.js';
import { GEN_AI_PROVIDER_NAMES } from '../telemetry/gen-ai.js';

/** What the engine traces with: the process's tracer, and whether any target wants content. */
export interface TraceEffects {
  tracer: Tracer;
  /** True while some telemetry destination has content_mode `content` (content is recorded only then). */
  wantsContent(): boolean;
}


/** agentd's own attributes: the workspace (which destinations get the span) and the thread. */
const AGENTD_WORKSPACE_ID = 'agentd.workspace.id';
const AGENTD_THREAD_ID = 'agentd.thread.id';

export interface TurnSession {
  id: string;
  workspaceId: string;
}

/** Ends a span made by `chat` or `tool` with what happened. */
export interface OpenSpan<R> {
  end(result: R): void;
}

export type ChatResult = { ok: true; message: BetaMessage } | { ok: false; errorType: string };
export type ToolResultSpan = { ok: true; isError: boolean; output?: unknown } | { ok: false; errorType: string };

export class TurnSpans {
  private readonly open = new Map<string, Span>();
  /** The agent each open turn runs (named on the spans started inside it). */
  private readonly agents = new Map<string, SessionAgent>();
  private inbound: SpanContext | undefined;
  /** The coordinator's latest turn: a thread's turn that starts after it ended is still its child. */
  private lastPrimary: SpanContext | undefined;

  constructor(
    private readonly traces: TraceEffects,
    private readonly session: TurnSession,
    private readonly provider: ModelProviderName,
  ) {}

  /** The next turn of the coordinator continues the caller's trace (the request that woke it). */
  continueFrom(parent: SpanContext): void {
    this.inbound = parent;
  }

  /** The open turn of a thread, begun now if none is. */
  turn(thread: string, agent: SessionAgent): Span {
    const existing = this.open.get(thread);
    if (existing) return existing;
    const primary = this.open.get(PRIMARY_THREAD)?.spanContext() ?? this.lastPrimary;
    let parent = ROOT_CONTEXT;
    if (thread === PRIMARY_THREAD && this.inbound) parent = trace.setSpanContext(ROOT_CONTEXT, this.inbound);
    else if (thread !== PRIMARY_THREAD && primary) parent = trace.setSpanContext(ROOT_CONTEXT, primary);
    if (thread === PRIMARY_THREAD) this.inbound = undefined;
    const span = this.traces.tracer.startSpan(
      `invoke_agent ${agent.name}`,
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          ...this.common(thread),
          [ATTR_GEN_AI_OPERATION_NAME]: 'invoke_agent',
          [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_NAMES[this.provider],
          [ATTR_GEN_AI_AGENT_ID]: agent.id,
          [ATTR_GEN_AI_AGENT_NAME]: agent.name,
          [ATTR_GEN_AI_AGENT_VERSION]: String(agent.version),
          [ATTR_GEN_AI_REQUEST_MODEL]: agent.model.id,
        },
      },
      parent,
    );
    this.agents.set(thread, agent);
    this.open.set(thread, span);
    if (thread === PRIMARY_THREAD) this.lastPrimary = span.spanContext();
    return span;
  }

  /** Ends a thread's turn (its step stopped it). */
  end(thread: string, error?: unknown): void {
    const span = this.open.get(thread);
    if (!span) return;
    if (error !== undefined) markError(span, error instanceof Error ? error.name : 'error');
    span.end();
    this.open.delete(thread);
    this.agents.delete(thread);
  }

  /** Ends every open turn (the runner is done: idle, stopped, or failed). */
  endAll(error?: unknown): void {
    for (const thread of [...this.open.keys()]) this.end(thread, error);
  }

  /** Trace and span ids of a thread's open turn, for its log lines. */
  logFields(thread: string): { trace_id: string; span_id: string } | undefined {
    const span = this.open.get(thread);
    if (!span) return undefined;
    const { traceId, spanId } = span.spanContext();
    return { trace_id: traceId, span_id: spanId };
  }

  /** A model call of a thread's turn. */
  chat(thread: string, request: ModelRequest): OpenSpan<ChatResult> {
    const content = this.traces.wantsContent();
    const span = this.child(thread, `chat ${request.model}`, SpanKind.CLIENT, {
      [ATTR_GEN_AI_OPERATION_NAME]: 'chat',
      [ATTR_GEN_AI_PROVIDER_NAME]: GEN_AI_PROVIDER_NAMES[this.provider],
      [ATTR_GEN_AI_REQUEST_MODEL]: request.model,
      [ATTR_GEN_AI_REQUEST_MAX_TOKENS]: request.max_tokens,
      ...(content
        ? {
            [ATTR_GEN_AI_INPUT_MESSAGES]: JSON.stringify(request.messages),
            ...(request.system !== undefined ? { [ATTR_GEN_AI_SYSTEM_INSTRUCTIONS]: JSON.stringify(request.system) } : {}),
          }
        : {}),
    });
    return {
      end: (result) => {
        if (result.ok) {
          const { message } = result;
          const u = message.usage;
          span.setAttributes({
            [ATTR_GEN_AI_RESPONSE_MODEL]: message.model,
            [ATTR_GEN_AI_RESPONSE_ID]: message.id,
            [ATTR_GEN_AI_USAGE_INPUT_TOKENS]: u.input_tokens,
            [ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]: u.output_tokens,
            [ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: u.cache_read_input_tokens ?? 0,
            [ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS]: u.cache_creation_input_tokens ?? 0,
            [ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: message.stop_reason ? [message.stop_reason] : [],
            ...(content ? { [ATTR_GEN_AI_OUTPUT_MESSAGES]: JSON.stringify([{ role: message.role, content: message.content }]) } : {}),
          });
        } else markError(span, result.errorType);
        span.end();
      },
    };
  }

  /** A tool call agentd runs (built-in in the sandbox, web_fetch, MCP). */
  tool(thread: string, call: { name: string; toolUseId: string; input: unknown; kind: string }): OpenSpan<ToolResultSpan> {
    const content = this.traces.wantsContent();
    const span = this.child(thread, `execute_tool ${call.name}`, SpanKind.INTERNAL, {
      [ATTR_GEN_AI_OPERATION_NAME]: 'execute_tool',
      [ATTR_GEN_AI_TOOL_NAME]: call.name,
      [ATTR_GEN_AI_TOOL_CALL_ID]: call.toolUseId,
      // Tools run by agentd on the agent's behalf: the convention's "extension" (vs. client "function").
      [ATTR_GEN_AI_TOOL_TYPE]: 'extension',
      ...(content ? { [ATTR_GEN_AI_TOOL_CALL_ARGUMENTS]: JSON.stringify(call.input) } : {}),
    });
    return {
      end: (result) => {
        if (!result.ok) markError(span, result.errorType);
        else if (result.isError) markError(span, 'tool_error');
        if (content && result.ok && result.output !== undefined) span.setAttribute(ATTR_GEN_AI_TOOL_CALL_RESULT, JSON.stringify(result.output));
        span.end();
      },
    };
  }

  /** Getting the environment's packages in place for the session's sandbox (found in the cache, or installed). */
  packages(thread: string, packages: string): OpenSpan<{ ok: true } | { ok: false; errorType: string }> {
    const span = this.child(thread, 'install_packages', SpanKind.INTERNAL, { 'agentd.packages': packages });
    return {
      end: (result) => {
        if (!result.ok) markError(span, result.errorType);
        span.end();
      },
    };
  }

  private child(thread: string, name: string, kind: SpanKind, attributes: Attributes): Span {
    const turn = this.open.get(thread);
    const agent = this.agents.get(thread);
    const parent = turn ? trace.setSpan(ROOT_CONTEXT, turn) : ROOT_CONTEXT;
    return this.traces.tracer.startSpan(
      name,
      {
        kind,
        attributes: {
          ...this.common(thread),
          ...(agent ? { [ATTR_GEN_AI_AGENT_ID]: agent.id, [ATTR_GEN_AI_AGENT_NAME]: agent.name } : {}),
          ...attributes,
        },
      },
      parent,
    );
  }

  private common(thread: string): Attributes {
    return {
      [ATTR_GEN_AI_CONVERSATION_ID]: this.session.id,
      [AGENTD_WORKSPACE_ID]: this.session.workspaceId,
      ...(thread === PRIMARY_THREAD ? {} : { [AGENTD_THREAD_ID]: thread }),
    };
  }
}

function markError(span: Span, errorType: string): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
  span.setAttribute(ATTR_ERROR_TYPE, errorType);
}

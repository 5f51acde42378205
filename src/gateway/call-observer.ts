// What a call's reply tells the ledger (message id, usage, stop reason, tools asked for, time to first token),
// read from a whole message or from the stream's events as they pass.
import type { BetaMessage } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import type { ProviderEvent } from '../engine/model/model-client.js';
import { NO_TOKENS, tokenUsage } from '../telemetry/token-usage.js';
import type { TokenUsage } from '../telemetry/prices.js';

export interface ReplyFacts {
  messageId: string | null;
  responseModel: string | undefined;
  usage: TokenUsage;
  stopReason: string | null;
  toolNames: string[];
  /** `ok`, or the error type a stream ended with. */
  outcome: string;
}

/** Blocks through which the model asks for a tool (client tools, server tools, MCP tools). */
const TOOL_BLOCKS = new Set(['tool_use', 'server_tool_use', 'mcp_tool_use']);

const toolNamesOf = (content: ReadonlyArray<{ type: string; name?: string }>): string[] =>
  content.filter((b) => TOOL_BLOCKS.has(b.type) && typeof b.name === 'string').map((b) => b.name!);

export function factsOfMessage(message: BetaMessage): ReplyFacts {
  return {
    messageId: message.id ?? null,
    responseModel: message.model,
    usage: tokenUsage(message.usage),
    stopReason: message.stop_reason ?? null,
    toolNames: toolNamesOf(message.content ?? []),
    outcome: 'ok',
  };
}

/** Follows a stream event by event. Only the few events that carry facts are parsed; deltas pass untouched. */
export class StreamObserver {
  /** The events `observe` reads: a relay hands it only these (content deltas, pings and block stops carry no fact). */
  static readonly FACT_EVENTS: ReadonlySet<string> = new Set(['message_start', 'content_block_start', 'message_delta', 'message_stop', 'error']);

  readonly facts: ReplyFacts = {
    messageId: null,
    responseModel: undefined,
    usage: NO_TOKENS,
    stopReason: null,
    toolNames: [],
    outcome: 'ok',
  };
  /** Milliseconds from `startedAt` to the first content event. */
  ttftMs: number | null = null;
  private sawStop = false;

  constructor(
    private readonly startedAt: number,
    private readonly now: () => number,
  ) {}

  observe(e: ProviderEvent): void {
    switch (e.event) {
      case 'message_start': {
        const message = (JSON.parse(e.data) as { message?: Partial<BetaMessage> }).message;
        this.facts.messageId = message?.id ?? null;
        this.facts.responseModel = message?.model;
        this.facts.usage = tokenUsage(message?.usage);
        return;
      }
      case 'content_block_start': {
        if (this.ttftMs === null) this.ttftMs = Math.round(this.now() - this.startedAt);
        const block = (JSON.parse(e.data) as { content_block?: { type: string; name?: string } }).content_block;
        if (block) this.facts.toolNames.push(...toolNamesOf([block]));
        return;
      }
      case 'message_delta': {
        const { delta, usage } = JSON.parse(e.data) as {
          delta?: { stop_reason?: string | null };
          usage?: Parameters<typeof tokenUsage>[0];
        };
        this.facts.stopReason = delta?.stop_reason ?? this.facts.stopReason;
        // Cumulative: counters it carries replace message_start's; those it omits stay.
        if (usage) {
          const next = tokenUsage({ ...usageOf(this.facts.usage), ...withoutNulls(usage) });
          this.facts.usage = next;
        }
        return;
      }
      case 'message_stop':
        this.sawStop = true;
        return;
      case 'error': {
        const type = (JSON.parse(e.data) as { error?: { type?: string } }).error?.type;
        this.facts.outcome = type ?? 'api_error';
        return;
      }
    }
  }

  /** The stream stopped before `message_stop` without an error event (client left, connection dropped). */
  finish(interrupted: boolean): ReplyFacts {
    if (this.facts.outcome === 'ok' && (interrupted || !this.sawStop)) this.facts.outcome = 'incomplete';
    return this.facts;
  }
}

const usageOf = (u: TokenUsage) => ({
  input_tokens: u.inputTokens,
  output_tokens: u.outputTokens,
  cache_read_input_tokens: u.cacheReadInputTokens,
  cache_creation_input_tokens: u.cacheCreation5mInputTokens + u.cacheCreation1hInputTokens,
  cache_creation: { ephemeral_5m_input_tokens: u.cacheCreation5mInputTokens, ephemeral_1h_input_tokens: u.cacheCreation1hInputTokens },
});

function withoutNulls<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as Partial<T>;
}

// A Messages API reply (whole, or as stream events) as OpenAI chat-completion objects and chunks.
import type { BetaMessage } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import type { ChatCompletion, ChatCompletionChunk } from 'openai/resources/chat/completions/completions.js';
import type { CompletionUsage } from 'openai/resources/completions.js';
import type { ProviderEvent } from '../../engine/model/model-client.js';
import type { TokenUsage } from '../../telemetry/prices.js';
import { tokenUsage } from '../../telemetry/token-usage.js';

type FinishReason = ChatCompletion.Choice['finish_reason'];

export function finishReason(stopReason: string | null | undefined): FinishReason {
  switch (stopReason) {
    case 'tool_use':
      return 'tool_calls';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/** Prompt tokens are everything the model read: uncached input, cache reads and cache writes. */
export function completionUsage(u: TokenUsage): CompletionUsage {
  const prompt = u.inputTokens + u.cacheReadInputTokens + u.cacheCreation5mInputTokens + u.cacheCreation1hInputTokens;
  return { prompt_tokens: prompt, completion_tokens: u.outputTokens, total_tokens: prompt + u.outputTokens };
}

export function toChatCompletion(message: BetaMessage, created: number): ChatCompletion {
  const text = message.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
  const toolCalls = message.content.flatMap((b) =>
    b.type === 'tool_use' ? [{ id: b.id, type: 'function' as const, function: { name: b.name, arguments: JSON.stringify(b.input) } }] : [],
  );
  return {
    id: message.id,
    object: 'chat.completion',
    created,
    model: message.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text === '' && toolCalls.length > 0 ? null : text,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: finishReason(message.stop_reason),
        logprobs: null,
      },
    ],
    usage: completionUsage(tokenUsage(message.usage)),
  };
}

/** Turns the provider's stream into chat.completion.chunk objects, event by event. */
export class ChunkTranslator {
  private id = '';
  private model = '';
  private usage: TokenUsage | undefined;
  /** Content block index → tool call ordinal, for tool-call deltas. */
  private readonly toolIndex = new Map<number, number>();
  /** An `error` event the provider sent mid-stream (OpenAI streams carry it as `{"error": ...}`). */
  error: { type: string; message: string } | undefined;

  constructor(
    private readonly created: number,
    private readonly includeUsage: boolean,
  ) {}

  private chunk(delta: ChatCompletionChunk.Choice.Delta, finish: FinishReason | null = null): ChatCompletionChunk {
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
      ...(this.includeUsage ? { usage: null } : {}),
    };
  }

  /** The chunks one provider event becomes (often none). */
  translate(e: ProviderEvent): ChatCompletionChunk[] {
    switch (e.event) {
      case 'message_start': {
        const { message } = JSON.parse(e.data) as { message: BetaMessage };
        this.id = message.id;
        this.model = message.model;
        this.usage = tokenUsage(message.usage);
        return [this.chunk({ role: 'assistant', content: '' })];
      }
      case 'content_block_start': {
        const { index, content_block: block } = JSON.parse(e.data) as { index: number; content_block: { type: string; id?: string; name?: string } };
        if (block.type !== 'tool_use') return [];
        const ordinal = this.toolIndex.size;
        this.toolIndex.set(index, ordinal);
        return [this.chunk({ tool_calls: [{ index: ordinal, id: block.id!, type: 'function', function: { name: block.name!, arguments: '' } }] })];
      }
      case 'content_block_delta': {
        const { index, delta } = JSON.parse(e.data) as { index: number; delta: { type: string; text?: string; partial_json?: string } };
        if (delta.type === 'text_delta') return [this.chunk({ content: delta.text ?? '' })];
        if (delta.type === 'input_json_delta' && delta.partial_json) {
          const ordinal = this.toolIndex.get(index);
          return ordinal === undefined ? [] : [this.chunk({ tool_calls: [{ index: ordinal, function: { arguments: delta.partial_json } }] })];
        }
        return []; // thinking and signatures are not part of an OpenAI reply
      }
      case 'message_delta': {
        const { delta, usage } = JSON.parse(e.data) as { delta: { stop_reason?: string | null }; usage?: Parameters<typeof tokenUsage>[0] };
        if (usage && this.usage) this.usage = { ...this.usage, outputTokens: usage.output_tokens ?? this.usage.outputTokens };
        return [this.chunk({}, finishReason(delta.stop_reason))];
      }
      case 'message_stop':
        return this.includeUsage && this.usage
          ? [{ id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [], usage: completionUsage(this.usage) }]
          : [];
      case 'error': {
        const { error } = JSON.parse(e.data) as { error?: { type?: string; message?: string } };
        this.error = { type: error?.type ?? 'api_error', message: error?.message ?? 'the model provider failed mid-stream' };
        return [];
      }
      default:
        return [];
    }
  }
}

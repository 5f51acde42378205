// The subset of the SDK's wire shapes the fake emits (the real API leaves most nullable extras out too).
import type {
  BetaInputJSONDelta,
  BetaMessage,
  BetaMessageDeltaUsage,
  BetaRawContentBlockStopEvent,
  BetaRawMessageDeltaEvent,
  BetaRawMessageStopEvent,
  BetaRedactedThinkingBlock,
  BetaServerToolUseBlock,
  BetaWebFetchToolResultBlock,
  BetaWebSearchToolResultBlock,
  BetaSignatureDelta,
  BetaTextBlock,
  BetaTextDelta,
  BetaThinkingBlock,
  BetaThinkingDelta,
  BetaToolUseBlock,
  BetaUsage,
} from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import type { ApiErrorType } from './types.js';

export type WireBlock =
  | Omit<BetaTextBlock, 'citations'>
  | BetaThinkingBlock
  | BetaRedactedThinkingBlock
  | Omit<BetaToolUseBlock, 'caller' | 'toolset_name'>
  | Omit<BetaServerToolUseBlock, 'caller'>
  | Omit<BetaWebSearchToolResultBlock, 'caller'>
  | Omit<BetaWebFetchToolResultBlock, 'caller'>;

export type WireUsage = Pick<
  BetaUsage,
  'input_tokens' | 'output_tokens' | 'cache_creation_input_tokens' | 'cache_read_input_tokens' | 'cache_creation' | 'service_tier'
> & { server_tool_use?: BetaUsage['server_tool_use'] };

export type WireMessage = Pick<BetaMessage, 'id' | 'type' | 'role' | 'model' | 'stop_reason' | 'stop_sequence' | 'stop_details'> & {
  content: WireBlock[];
  usage: WireUsage;
};

export type WireDelta = BetaTextDelta | Pick<BetaThinkingDelta, 'type' | 'thinking'> | BetaSignatureDelta | BetaInputJSONDelta;

export type WireEvent =
  | { type: 'message_start'; message: WireMessage }
  | { type: 'ping' }
  | { type: 'content_block_start'; index: number; content_block: WireBlock }
  | { type: 'content_block_delta'; index: number; delta: WireDelta }
  | BetaRawContentBlockStopEvent
  | {
      type: 'message_delta';
      delta: Pick<BetaRawMessageDeltaEvent.Delta, 'stop_reason' | 'stop_sequence' | 'stop_details'>;
      usage: Pick<BetaMessageDeltaUsage, 'input_tokens' | 'output_tokens' | 'cache_creation_input_tokens' | 'cache_read_input_tokens'>;
    }
  | BetaRawMessageStopEvent
  | ErrorEnvelope;

/** The real error envelope, for HTTP error bodies and SSE `error` frames alike. */
export interface ErrorEnvelope {
  type: 'error';
  error: { type: ApiErrorType; message: string; details?: Record<string, unknown> };
  request_id: string;
}

// Token accounting: per-request model_usage on span events, and the session's running total.
import type { BetaUsage } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import type { SessionUsage } from '../api/wire.js';
import type { WireEvent } from './records/event.js';

/** The `model_usage` of span.model_request_end. */
export type ModelUsage = WireEvent<'span.model_request_end'>['model_usage'];

export function modelUsage(u: BetaUsage | undefined): ModelUsage {
  const usage: ModelUsage = {
    input_tokens: u?.input_tokens ?? 0,
    output_tokens: u?.output_tokens ?? 0,
    cache_creation_input_tokens: u?.cache_creation_input_tokens ?? 0,
    cache_read_input_tokens: u?.cache_read_input_tokens ?? 0,
  };
  // The speed the request ran at, as the API reports it (only with the fast-mode beta).
  if (u?.speed === 'fast' || u?.speed === 'standard') usage.speed = u.speed;
  return usage;
}

/** The context a response leaves behind: everything the model read plus what it wrote. */
export const contextTokens = (u: ModelUsage) =>
  u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens + u.output_tokens;

export function addUsage(total: SessionUsage, u: BetaUsage): SessionUsage {
  const creation = u.cache_creation_input_tokens ?? 0;
  // Split cache writes by TTL when the API reports it; otherwise they are 5-minute writes.
  const oneHour = u.cache_creation?.ephemeral_1h_input_tokens ?? 0;
  const fiveMinutes = u.cache_creation?.ephemeral_5m_input_tokens ?? creation - oneHour;
  return {
    ...total,
    input_tokens: (total.input_tokens ?? 0) + (u.input_tokens ?? 0),
    output_tokens: (total.output_tokens ?? 0) + (u.output_tokens ?? 0),
    cache_read_input_tokens: (total.cache_read_input_tokens ?? 0) + (u.cache_read_input_tokens ?? 0),
    cache_creation: {
      ephemeral_5m_input_tokens: (total.cache_creation?.ephemeral_5m_input_tokens ?? 0) + fiveMinutes,
      ephemeral_1h_input_tokens: (total.cache_creation?.ephemeral_1h_input_tokens ?? 0) + oneHour,
    },
    // The provider's web search / fetch requests, counted once a call reports any.
    ...(u.server_tool_use || total.server_tool_use
      ? {
          server_tool_use: {
            web_search_requests: (total.server_tool_use?.web_search_requests ?? 0) + (u.server_tool_use?.web_search_requests ?? 0),
            web_fetch_requests: (total.server_tool_use?.web_fetch_requests ?? 0) + (u.server_tool_use?.web_fetch_requests ?? 0),
          },
        }
      : {}),
  };
}

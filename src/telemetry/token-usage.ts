// A Messages API `usage` object as the ledger's five token counters.
import type { TokenUsage } from './prices.js';

interface WireUsage {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
  cache_creation?: { ephemeral_5m_input_tokens?: number | null; ephemeral_1h_input_tokens?: number | null } | null;
}

export const NO_TOKENS: TokenUsage = {
  inputTokens: 0,
  outputTokens: 0,
  cacheReadInputTokens: 0,
  cacheCreation5mInputTokens: 0,
  cacheCreation1hInputTokens: 0,
};

/** Cache writes split by TTL when the API reports it; otherwise they are 5-minute writes (the default TTL). */
export function tokenUsage(usage: WireUsage | null | undefined): TokenUsage {
  if (!usage) return NO_TOKENS;
  const creation = usage.cache_creation_input_tokens ?? 0;
  const oneHour = usage.cache_creation?.ephemeral_1h_input_tokens ?? 0;
  const fiveMinutes = usage.cache_creation?.ephemeral_5m_input_tokens ?? Math.max(0, creation - oneHour);
  return {
    inputTokens: usage.input_tokens ?? 0,
    outputTokens: usage.output_tokens ?? 0,
    cacheReadInputTokens: usage.cache_read_input_tokens ?? 0,
    cacheCreation5mInputTokens: fiveMinutes,
    cacheCreation1hInputTokens: oneHour,
  };
}

// Content attributes of spans (prompts, completions, tool arguments and results): recorded only when
// a target asks for content, and capped per span at the target's max_content_bytes.
import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
} from '@opentelemetry/semantic-conventions/incubating';
import type { Attributes } from '@opentelemetry/api';

/** The attributes that carry content, in the order a span's byte budget is spent on them. */
export const CONTENT_ATTRIBUTES = [
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
] as const;

/** The most content agentd records on one span (the "API's maximum" of max_content_bytes). */
export const MAX_CONTENT_BYTES = 1024 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `text` shortened to at most `bytes` UTF-8 bytes (never splitting a character). */
export function truncateUtf8(text: string, bytes: number): string {
  const encoded = encoder.encode(text);
  if (encoded.length <= bytes) return text;
  // A cut inside a multi-byte character decodes to U+FFFD: drop that tail.
  return decoder.decode(encoded.subarray(0, bytes)).replace(/\uFFFD+$/, '');
}

/** The content attributes of a span, shortened so that together they fit in `maxBytes`. */
export function capContent(attributes: Attributes, maxBytes: number | undefined): Attributes {
  let budget = Math.min(maxBytes ?? MAX_CONTENT_BYTES, MAX_CONTENT_BYTES);
  const capped: Attributes = {};
  for (const key of CONTENT_ATTRIBUTES) {
    const value = attributes[key];
    if (typeof value !== 'string') continue;
    const kept = truncateUtf8(value, budget);
    budget -= encoder.encode(kept).length;
    capped[key] = kept;
  }
  return capped;
}

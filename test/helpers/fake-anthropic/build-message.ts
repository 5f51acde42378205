// Turns a scripted turn into the complete assistant Message the real API would return for a request.
import { newMessageId, newToolUseId } from './ids.js';
import { SignatureBook } from './signature-book.js';
import { estimateInputTokens, estimateOutputTokens } from './tokens.js';
import type { ScriptedBlock, ScriptedMessage } from './types.js';
import type { WireBlock, WireMessage } from './wire-types.js';

export function buildMessage(spec: ScriptedMessage, body: Record<string, unknown>, signatures: SignatureBook): WireMessage {
  const content = spec.content.map((b) => toWireBlock(b, signatures));
  const hasToolUse = content.some((b) => b.type === 'tool_use');
  const cacheCreation = spec.usage?.cache_creation_input_tokens ?? 0;
  return {
    id: newMessageId(),
    type: 'message',
    role: 'assistant',
    model: spec.model ?? String(body['model']),
    content,
    stop_reason: spec.stop_reason ?? (hasToolUse ? 'tool_use' : 'end_turn'),
    stop_sequence: spec.stop_sequence ?? null,
    stop_details: null,
    usage: {
      input_tokens: spec.usage?.input_tokens ?? estimateInputTokens(body),
      cache_creation_input_tokens: cacheCreation,
      cache_read_input_tokens: spec.usage?.cache_read_input_tokens ?? 0,
      cache_creation: { ephemeral_5m_input_tokens: cacheCreation, ephemeral_1h_input_tokens: 0 },
      output_tokens: spec.usage?.output_tokens ?? estimateOutputTokens(spec.content),
      service_tier: 'standard',
      // The speed and geography the request asked for, reported back as the real API does.
      ...(body['speed'] === 'fast' || body['speed'] === 'standard' ? { speed: body['speed'] } : {}),
      ...(typeof body['inference_geo'] === 'string' ? { inference_geo: body['inference_geo'] } : {}),
    },
  };
}

/** What a `max_tokens: 0` request gets: the prefill ran, nothing was generated. */
export function buildPrewarmMessage(body: Record<string, unknown>): WireMessage {
  return buildMessage({ content: [], stop_reason: 'max_tokens', usage: { output_tokens: 0 } }, body, new SignatureBook());
}

function toWireBlock(b: ScriptedBlock, signatures: SignatureBook): WireBlock {
  switch (b.type) {
    case 'text':
      return { type: 'text', text: b.text };
    case 'thinking':
      return { type: 'thinking', thinking: b.thinking, signature: signatures.sign(b.thinking, b.signature) };
    case 'redacted_thinking':
      signatures.recordRedacted(b.data);
      return { type: 'redacted_thinking', data: b.data };
    case 'tool_use':
      return { type: 'tool_use', id: b.id ?? newToolUseId(), name: b.name, input: b.input };
  }
}

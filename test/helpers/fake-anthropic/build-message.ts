// Turns a scripted turn into the complete assistant Message the real API would return for a request.
import { newEncryptedContent, newMessageId, newServerToolUseId, newToolUseId } from './ids.js';
import { SignatureBook } from './signature-book.js';
import { estimateInputTokens, estimateOutputTokens } from './tokens.js';
import type { ScriptedBlock, ScriptedMessage } from './types.js';
import type { WireBlock, WireMessage } from './wire-types.js';

export function buildMessage(spec: ScriptedMessage, body: Record<string, unknown>, signatures: SignatureBook): WireMessage {
  let lastServerUse = '';
  const content = spec.content.map((b) => {
    const block = toWireBlock(b, signatures, lastServerUse);
    if (block.type === 'server_tool_use') lastServerUse = block.id;
    return block;
  });
  const hasToolUse = content.some((b) => b.type === 'tool_use');
  const serverUses = (name: string) => content.filter((b) => b.type === 'server_tool_use' && b.name === name).length;
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
      cache_creation: spec.usage?.cache_creation ?? { ephemeral_5m_input_tokens: cacheCreation, ephemeral_1h_input_tokens: 0 },
      output_tokens: spec.usage?.output_tokens ?? estimateOutputTokens(spec.content),
      service_tier: 'standard',
      // The speed and geography the request asked for, reported back as the real API does.
      ...(body['speed'] === 'fast' || body['speed'] === 'standard' ? { speed: body['speed'] } : {}),
      ...(typeof body['inference_geo'] === 'string' ? { inference_geo: body['inference_geo'] } : {}),
      // Reported, as by the real API, when the turn used a server tool.
      ...(serverUses('web_search') + serverUses('web_fetch') > 0
        ? { server_tool_use: { web_search_requests: serverUses('web_search'), web_fetch_requests: serverUses('web_fetch') } }
        : {}),
    },
  };
}

/** What a `max_tokens: 0` request gets: the prefill ran, nothing was generated. */
export function buildPrewarmMessage(body: Record<string, unknown>): WireMessage {
  return buildMessage({ content: [], stop_reason: 'max_tokens', usage: { output_tokens: 0 } }, body, new SignatureBook());
}

function toWireBlock(b: ScriptedBlock, signatures: SignatureBook, lastServerUse: string): WireBlock {
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
    case 'server_tool_use':
      return { type: 'server_tool_use', id: b.id ?? newServerToolUseId(), name: b.name, input: b.input };
    case 'web_search_tool_result': {
      const tool_use_id = b.tool_use_id ?? lastServerUse;
      if (b.error_code !== undefined) {
        return { type: 'web_search_tool_result', tool_use_id, content: { type: 'web_search_tool_result_error', error_code: b.error_code as never } };
      }
      const hits = (b.results ?? []).map((r) => {
        const encrypted_content = newEncryptedContent();
        signatures.recordEncrypted(encrypted_content);
        return { type: 'web_search_result' as const, url: r.url, title: r.title, page_age: r.page_age ?? null, encrypted_content };
      });
      return { type: 'web_search_tool_result', tool_use_id, content: hits };
    }
    case 'web_fetch_tool_result': {
      const tool_use_id = b.tool_use_id ?? lastServerUse;
      if (b.error_code !== undefined) {
        return { type: 'web_fetch_tool_result', tool_use_id, content: { type: 'web_fetch_tool_result_error', error_code: b.error_code as never } };
      }
      const url = b.url ?? 'https://example.com/';
      return {
        type: 'web_fetch_tool_result',
        tool_use_id,
        content: {
          type: 'web_fetch_result',
          url,
          retrieved_at: new Date().toISOString(),
          content: { type: 'document', citations: null, title: b.title ?? null, source: { type: 'text', media_type: 'text/plain', data: b.text ?? '' } },
        },
      };
    }
  }
}

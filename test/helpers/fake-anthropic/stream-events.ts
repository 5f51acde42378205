// Unfolds a complete Message into the SSE event sequence the real API streams for it.
import type { WireBlock, WireDelta, WireEvent, WireMessage } from './wire-types.js';

/**
 * Splits text into several pieces (never splitting a code point), so a client sees real incremental deltas:
 * three or so for short strings, 16-character pieces for long ones.
 */
export function chunkText(text: string, maxPiece = 16): string[] {
  const chars = Array.from(text);
  if (chars.length === 0) return [];
  const size = Math.max(1, Math.min(maxPiece, Math.ceil(chars.length / 3)));
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

function startOf(block: WireBlock): WireBlock {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: '' };
    case 'thinking':
      return { type: 'thinking', thinking: '', signature: '' };
    case 'redacted_thinking':
      return block; // arrives whole, with no deltas
    case 'tool_use':
      return { type: 'tool_use', id: block.id, name: block.name, input: {} };
    case 'server_tool_use':
      return { type: 'server_tool_use', id: block.id, name: block.name, input: {} };
    case 'web_search_tool_result':
    case 'web_fetch_tool_result':
      return block; // the provider's result arrives whole, with no deltas
  }
}

function deltasOf(block: WireBlock): WireDelta[] {
  switch (block.type) {
    case 'text':
      return chunkText(block.text).map((text) => ({ type: 'text_delta', text }));
    case 'thinking':
      return [
        ...chunkText(block.thinking).map((thinking): WireDelta => ({ type: 'thinking_delta', thinking })),
        { type: 'signature_delta', signature: block.signature },
      ];
    case 'redacted_thinking':
    case 'web_search_tool_result':
    case 'web_fetch_tool_result':
      return [];
    case 'tool_use':
    case 'server_tool_use': {
      // The API opens with an empty fragment, then streams the JSON text in pieces.
      const json = JSON.stringify(block.input);
      const pieces = chunkText(json, 32);
      return [{ type: 'input_json_delta', partial_json: '' }, ...pieces.map((partial_json): WireDelta => ({ type: 'input_json_delta', partial_json }))];
    }
  }
}

/** The events of one block: content_block_start, its deltas, content_block_stop. */
export function blockEvents(block: WireBlock, index: number): WireEvent[] {
  return [
    { type: 'content_block_start', index, content_block: startOf(block) },
    ...deltasOf(block).map((delta): WireEvent => ({ type: 'content_block_delta', index, delta })),
    { type: 'content_block_stop', index },
  ];
}

/** message_start (empty content, 1 output token so far), ping, each block, message_delta, message_stop. */
export function messageEvents(message: WireMessage): WireEvent[] {
  const { usage } = message;
  return [
    { type: 'message_start', message: { ...message, content: [], stop_reason: null, stop_sequence: null, stop_details: null, usage: { ...usage, output_tokens: 1 } } },
    { type: 'ping' },
    ...message.content.flatMap((b, i) => blockEvents(b, i)),
    {
      type: 'message_delta',
      delta: { stop_reason: message.stop_reason, stop_sequence: message.stop_sequence, stop_details: message.stop_details },
      // Cumulative totals: the input counters repeat message_start's, output_tokens is final.
      usage: {
        input_tokens: usage.input_tokens,
        cache_creation_input_tokens: usage.cache_creation_input_tokens,
        cache_read_input_tokens: usage.cache_read_input_tokens,
        output_tokens: usage.output_tokens,
      },
    },
    { type: 'message_stop' },
  ];
}

/** The prefix of `messageEvents` a stream gets through before breaking: start, ping, and half of the first block. */
export function truncatedEvents(message: WireMessage): WireEvent[] {
  const all = messageEvents(message);
  const firstStop = all.findIndex((e) => e.type === 'content_block_stop');
  if (firstStop < 0) return all.slice(0, 2);
  const firstStart = all.findIndex((e) => e.type === 'content_block_start');
  const deltas = firstStop - firstStart - 1;
  return all.slice(0, firstStart + 1 + Math.ceil(deltas / 2));
}

// Turns what a tool host replied into a ToolOutcome the server can trust: only well-formed text
// and image blocks, at most `maxBytes` of them in total (the rest cut with a visible marker).
// The tool host runs inside the sandbox, so its replies are treated as untrusted input.
import type { ToolOutcome } from '../types.js';

type Block = ToolOutcome['content'][number];

const marker = (omitted: number) => `\n[agentd: output truncated — ${omitted} more bytes not shown]`;

function blockSize(b: Block): number {
  if (b.type === 'text') return Buffer.byteLength(b.text);
  if (b.type === 'image' && b.source.type === 'base64') return b.source.data.length;
  return Buffer.byteLength(JSON.stringify(b));
}

function wellFormed(b: unknown): b is Block {
  if (typeof b !== 'object' || b === null) return false;
  const block = b as { type?: unknown; text?: unknown; source?: { type?: unknown; data?: unknown; media_type?: unknown } };
  if (block.type === 'text') return typeof block.text === 'string';
  return block.type === 'image' && block.source?.type === 'base64' && typeof block.source.data === 'string' && typeof block.source.media_type === 'string';
}

/** Cuts a string to at most `bytes` UTF-8 bytes without splitting a character. */
function cutUtf8(text: string, bytes: number): string {
  const buf = Buffer.from(text);
  if (buf.length <= bytes) return text;
  let end = bytes;
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString();
}

export function capOutcome(raw: unknown, maxBytes: number): ToolOutcome {
  const r = raw as { content?: unknown; isError?: unknown };
  if (!Array.isArray(r.content)) return { isError: true, content: [{ type: 'text', text: 'the sandbox returned a malformed tool result' }] };
  const blocks = r.content.filter(wellFormed);
  const total = blocks.reduce((n, b) => n + blockSize(b), 0);
  if (total <= maxBytes) return { isError: r.isError === true, content: blocks };
  const out: Block[] = [];
  let left = maxBytes;
  for (const b of blocks) {
    const size = blockSize(b);
    if (size <= left) {
      out.push(b);
      left -= size;
    } else {
      if (b.type === 'text' && left > 0) out.push({ type: 'text', text: cutUtf8(b.text, left) });
      break;
    }
  }
  const shown = out.reduce((n, b) => n + blockSize(b), 0);
  out.push({ type: 'text', text: marker(total - shown) });
  return { isError: r.isError === true, content: out };
}

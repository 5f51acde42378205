// Which conversation a gateway call belongs to: the client's `agentd-conversation-id`, the conversation of the
// thread reply it continues, or a stable hash of who is talking (metadata.user_id) and how the chat began.
import { createHash } from 'node:crypto';
import { invalidRequest } from '../errors.js';
import type { ConversationRef } from '../telemetry/usage-ledger.js';

export const CONVERSATION_HEADER = 'agentd-conversation-id';
const MAX_HEADER_ID = 200;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Content as blocks without cache markers: clients move `cache_control` from turn to turn, the chat is the same. */
function normalized(content: unknown): unknown {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (Array.isArray(content)) return content.map(normalized);
  if (!isRecord(content)) return content;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(content).sort()) {
    if (key !== 'cache_control') out[key] = normalized(content[key]);
  }
  return out;
}

/** The prefix a multi-turn chat repeats on every call: system prompt and first user turn. */
export function prefixConversationId(body: Record<string, unknown>, userId: string | null): string | undefined {
  const messages = Array.isArray(body['messages']) ? body['messages'] : [];
  const first = messages[0];
  if (!isRecord(first) || first['role'] !== 'user') return undefined;
  const prefix = JSON.stringify([userId, normalized(body['system'] ?? null), normalized(first['content'])]);
  return `conv_${createHash('sha256').update(prefix).digest('hex').slice(0, 32)}`;
}

export function userIdOf(body: Record<string, unknown>): string | null {
  const metadata = body['metadata'];
  return isRecord(metadata) && typeof metadata['user_id'] === 'string' ? metadata['user_id'] : null;
}

/** The message a `thread: {type: "continue"}` request continues. */
export function continuedMessageId(body: Record<string, unknown>): string | undefined {
  const thread = body['thread'];
  return isRecord(thread) && thread['type'] === 'continue' && typeof thread['previous_message_id'] === 'string'
    ? thread['previous_message_id']
    : undefined;
}

/** The `agentd-conversation-id` header, checked (it is stored and shown back, so it is bounded). */
export function headerConversationId(raw: string | string[] | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value.trim() === '') return undefined;
  if (value.length > MAX_HEADER_ID || !/^[\x21-\x7e]+$/.test(value)) {
    throw invalidRequest(`${CONVERSATION_HEADER}: expected 1 to ${MAX_HEADER_ID} printable ASCII characters without spaces`);
  }
  return value;
}

/**
 * The conversation of one call. `threadConversation` looks up the conversation of an earlier reply; a call that
 * matches nothing (e.g. a lone tool result) still gets a conversation of its own prefix.
 */
export async function conversationOf(
  body: Record<string, unknown>,
  headerId: string | undefined,
  threadConversation: (messageId: string) => Promise<string | undefined>,
): Promise<ConversationRef | undefined> {
  const userId = userIdOf(body);
  if (headerId !== undefined) return { id: headerId, source: 'header', userId };
  const continued = continuedMessageId(body);
  if (continued !== undefined) {
    const id = await threadConversation(continued);
    if (id !== undefined) return { id, source: 'thread', userId };
  }
  const id = prefixConversationId(body, userId);
  return id === undefined ? undefined : { id, source: 'prefix', userId };
}

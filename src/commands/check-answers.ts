// Checks client answers against the session's open tool calls before they are written, so a
// confirmation or result for the wrong (or an already answered) call is a clear 400.
import type { ClientEventInput } from '../api/schemas/event.js';
import { foldConversation } from '../domain/conversation.js';
import { invalidRequest } from '../errors.js';
import type { SessionRecord, Store } from '../store/types.js';

const NEEDS_LOG = new Set(['user.tool_confirmation', 'user.custom_tool_result', 'user.tool_result', 'system.message']);

export async function checkAnswers(store: Store, session: SessionRecord, events: ClientEventInput[]): Promise<void> {
  if (!events.some((e) => NEEDS_LOG.has(e.type))) return;
  const c = foldConversation(await store.events.after(session.id, 0, Number.MAX_SAFE_INTEGER));
  const answered = new Set<string>();
  const environment = await store.environments.get(session.workspaceId, session.environmentId);
  for (const [i, e] of events.entries()) {
    const at = `events[${i}]`;
    if (e.type === 'system.message' && c.phase === 'idle' && c.waitingOn !== undefined) {
      throw invalidRequest(`${at}: system.message cannot be sent while the session waits for tool confirmations or results (requires_action)`);
    }
    if (e.type !== 'user.tool_confirmation' && e.type !== 'user.custom_tool_result' && e.type !== 'user.tool_result') continue;
    const [field, id] = e.type === 'user.custom_tool_result' ? ['custom_tool_use_id', e.custom_tool_use_id] : ['tool_use_id', e.tool_use_id];
    const call = c.callIndex.get(id);
    const pending = call && !call.result && !call.interrupted;
    if (e.type === 'user.tool_confirmation') {
      if (!call || call.kind !== 'builtin' || call.permission !== 'ask') {
        throw invalidRequest(`${at}.${field}: ${id} is not a tool call awaiting confirmation in this session`);
      }
      if (call.confirmation || !pending || answered.has(id)) throw invalidRequest(`${at}.${field}: tool call ${id} was already answered`);
    } else if (e.type === 'user.custom_tool_result') {
      if (!call || call.kind !== 'custom') throw invalidRequest(`${at}.${field}: ${id} is not a custom tool call in this session`);
      if (!pending || answered.has(id)) throw invalidRequest(`${at}.${field}: custom tool call ${id} was already answered`);
    } else {
      if (environment?.config.type !== 'self_hosted') {
        throw invalidRequest(`${at}: user.tool_result is only accepted for sessions in self_hosted environments`);
      }
      if (!call || call.kind !== 'builtin') throw invalidRequest(`${at}.${field}: ${id} is not a tool call in this session`);
      if (!pending || answered.has(id)) throw invalidRequest(`${at}.${field}: tool call ${id} was already answered`);
    }
    answered.add(id);
  }
}

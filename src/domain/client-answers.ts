// Checks the answers in a batch of client events (confirmations, custom and self-hosted tool
// results, and system.message's timing) against the tool calls they refer to, so an answer for
// the wrong or an already answered call is a 400 naming it, and changes nothing.
import type { ClientEventInput } from '../api/schemas/event.js';
import { invalidRequest } from '../errors.js';
import type { EvaluatedPermission } from './permissions.js';

/** What an answer needs to know about the call it refers to. */
export interface CallStatus {
  kind: 'builtin' | 'custom' | 'mcp';
  permission: EvaluatedPermission;
  /** Neither answered, confirmed nor voided by an interrupt. */
  pending: boolean;
  confirmed: boolean;
}

export interface AnswerView {
  /** The tool call with this event id, if the session has one. */
  call(eventId: string): CallStatus | undefined;
  /** The session is idle waiting for tool confirmations or results (requires_action). */
  requiresAction: boolean;
  /** The session's environment is self_hosted (its workers answer with user.tool_result). */
  selfHosted: boolean;
}

/** The client event types whose acceptance depends on the session's log. */
export const NEEDS_LOG: ReadonlySet<string> = new Set(['user.tool_confirmation', 'user.custom_tool_result', 'user.tool_result', 'system.message']);

export function checkClientAnswers(events: readonly ClientEventInput[], view: AnswerView): void {
  const answered = new Set<string>();
  for (const [i, e] of events.entries()) {
    const at = `events[${i}]`;
    if (e.type === 'system.message' && view.requiresAction) {
      throw invalidRequest(`${at}: system.message cannot be sent while the session waits for tool confirmations or results (requires_action)`);
    }
    if (e.type !== 'user.tool_confirmation' && e.type !== 'user.custom_tool_result' && e.type !== 'user.tool_result') continue;
    const [field, id] = e.type === 'user.custom_tool_result' ? ['custom_tool_use_id', e.custom_tool_use_id] : ['tool_use_id', e.tool_use_id];
    const call = view.call(id);
    const pending = call !== undefined && call.pending && !answered.has(id);
    if (e.type === 'user.tool_confirmation') {
      if (!call || call.kind === 'custom' || call.permission !== 'ask') {
        throw invalidRequest(`${at}.${field}: ${id} is not a tool call awaiting confirmation in this session`);
      }
      if (call.confirmed || !pending) throw invalidRequest(`${at}.${field}: tool call ${id} was already answered`);
    } else if (e.type === 'user.custom_tool_result') {
      if (!call || call.kind !== 'custom') throw invalidRequest(`${at}.${field}: ${id} is not a custom tool call in this session`);
      if (!pending) throw invalidRequest(`${at}.${field}: custom tool call ${id} was already answered`);
    } else {
      if (!view.selfHosted) throw invalidRequest(`${at}: user.tool_result is only accepted for sessions in self_hosted environments`);
      if (!call || call.kind !== 'builtin') throw invalidRequest(`${at}.${field}: ${id} is not a tool call in this session`);
      if (!pending) throw invalidRequest(`${at}.${field}: tool call ${id} was already answered`);
    }
    answered.add(id);
  }
}

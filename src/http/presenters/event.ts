// Log entries → wire session events (`processed_at` is null while an event is queued).
import type { SessionEvent } from '../../api/wire.js';
import type { EventRecord } from '../../store/types.js';

/** Event types the SDK gives a session_thread_id: a child thread's requests for the client name their thread. */
const NAMES_THREAD = new Set(['agent.tool_use', 'agent.custom_tool_use', 'agent.mcp_tool_use']);

export function presentEvent(e: EventRecord): SessionEvent {
  // The SDK types processed_at as a string on engine events, which the engine always stamps.
  const thread = e.threadId !== null && NAMES_THREAD.has(e.type) ? { session_thread_id: e.threadId } : {};
  return { ...e.body, ...thread, processed_at: e.processedAt } as SessionEvent;
}

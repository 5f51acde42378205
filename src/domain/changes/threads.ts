// Changes of multi-agent threads: a delegation (a new thread, or a follow-up to one), a refused
// delegation, and a thread's answer to the coordinator (its final text, or its failure).
import type { ToolUseInternal } from '../event-internal.js';
import { lastAnswer, type Delegation } from '../delegation.js';
import { PRIMARY_THREAD, type ThreadState, type ToolCall } from '../session-state.js';
import { engineEvent, textContent } from './engine-event.js';
import { noChanges, type ChangeEnv, type LogChanges } from './log-changes.js';

/**
 * The coordinator's call starts (or continues) a thread: session.thread_created for a new one
 * (on the thread, cross-posted), agent.thread_message_sent on the coordinator's stream, and the
 * message queued as the thread's input. The call is marked started with its thread, so after a
 * crash it is never delegated twice.
 */
export function delegate(call: ToolCall, d: Exclude<Delegation, { kind: 'refuse' }>, env: ChangeEnv): LogChanges {
  const threadId = d.kind === 'new' ? env.newId('sthr') : d.thread.id;
  const agentName = d.kind === 'new' ? d.roster.agent.name : d.thread.agentName;
  const content = textContent(d.message);
  const events = [];
  if (d.kind === 'new') {
    events.push(
      engineEvent('session.thread_created', { session_thread_id: threadId, agent_name: agentName, workflow_run_id: null }, env, {
        thread: threadId,
        crossPost: true,
        internal: { agent: d.roster.agent },
      }),
    );
  }
  events.push(
    engineEvent('agent.thread_message_sent', { to_session_thread_id: threadId, to_agent_name: agentName, content }, env, {
      thread: call.thread,
      internal: { call: call.eventId },
    }),
  );
  // The thread's input: queued until its next model request consumes it.
  events.push({ ...engineEvent('user.message', { content }, env, { thread: threadId }), processedAt: null });
  const internal: ToolUseInternal = { tool_use_id: call.toolUseId, kind: 'delegate', started: true, thread: threadId };
  return { ...noChanges(env.at), events, internals: [{ id: call.eventId, internal }] };
}

export const refuseDelegation = (call: ToolCall, text: string, env: ChangeEnv): LogChanges => ({
  ...noChanges(env.at),
  events: [engineEvent('agent.tool_result', { tool_use_id: call.eventId, content: textContent(text), is_error: true }, env, { thread: call.thread })],
});

/** A child thread answers the call that started it: agent.thread_message_received and the call's result. */
export function threadReply(t: ThreadState, how: 'answered' | 'failed' | 'interrupted', env: ChangeEnv): LogChanges {
  const failed = how !== 'answered';
  const text =
    how === 'failed'
      ? `The agent ${t.agentName} (thread ${t.id}) failed: its model calls kept failing past the retry budget. Its last answer: ${lastAnswer(t)}`
      : how === 'interrupted'
        ? `The agent ${t.agentName} (thread ${t.id}) was interrupted before it finished.`
        : `${lastAnswer(t)}\n\n(thread_id: ${t.id})`;
  const content = textContent(text);
  return {
    ...noChanges(env.at),
    events: [
      engineEvent('agent.thread_message_received', { from_session_thread_id: t.id, from_agent_name: t.agentName, content }, env, { thread: PRIMARY_THREAD }),
      engineEvent('agent.tool_result', { tool_use_id: t.replyTo!, content, is_error: failed }, env, { thread: PRIMARY_THREAD }),
    ],
  };
}

// Folds a session's log into its state, one event at a time: the same log always yields the same
// state, so a restarted engine resumes exactly. The engine keeps the state while it holds the
// session's lease and folds in only what was appended since (`cursor`), so a step costs
// O(new events); the state is updated in place for that reason. `markProcessed` / `markStarted`
// mirror the engine's own in-place writes to events already folded.
import type { BetaContentBlockParam } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import { appendUserBlocks, inputBlocks, systemText, toModelContent, toolResultBlock } from './conversation-blocks.js';
import type { LogChanges } from './changes/log-changes.js';
import type { EventRecord } from './records/event.js';
import { feedbackText, newOutcome, TERMINAL_RESULTS } from './outcome.js';
import { newSessionState, newThreadState, primaryThread, type SessionState, type ThreadState, type ToolCall } from './session-state.js';

/** Events of a thread the log never created belong to the primary thread. */
const threadById = (s: SessionState, id: string | null): ThreadState => (id !== null ? s.threads.get(id) : undefined) ?? primaryThread(s);

/** The thread an event acts on: answers go to their call's thread, whatever thread they name. */
function threadOf(s: SessionState, e: EventRecord): ThreadState {
  const callId =
    e.type === 'user.tool_confirmation' || e.type === 'user.tool_result' || e.type === 'agent.tool_result'
      ? e.body.tool_use_id
      : e.type === 'user.custom_tool_result'
        ? e.body.custom_tool_use_id
        : undefined;
  const call = callId !== undefined ? s.calls.get(callId) : undefined;
  return call ? (s.threads.get(call.thread) ?? primaryThread(s)) : threadById(s, e.threadId);
}

function resolve(t: ThreadState, call: ToolCall | undefined, result: ToolCall['result']): void {
  if (!call || call.result || call.interrupted) return;
  call.result = result;
  appendUserBlocks(t.messages, [toolResultBlock(call)]);
}

/** Queues a client event that is not processed yet. */
function enqueue(t: ThreadState, e: EventRecord): void {
  if (e.processedAt !== null) return;
  switch (e.type) {
    case 'user.message':
    case 'system.message':
    case 'user.define_outcome':
      t.pendingInputs.push(e);
      // New input starts a new turn: compaction gets its full allowance again.
      t.compactionsInARow = 0;
      break;
    case 'user.interrupt':
      t.pendingInterrupts.push(e);
      break;
    case 'user.tool_confirmation':
    case 'user.custom_tool_result':
    case 'user.tool_result':
      t.pendingAnswers.push(e);
      break;
  }
}

export function foldEvent(s: SessionState, e: EventRecord): void {
  s.cursor = e.seq;
  const t = threadOf(s, e);
  enqueue(t, e);
  switch (e.type) {
    case 'user.message':
    case 'system.message':
      s.inputs.set(e.id, e);
      break;
    case 'user.define_outcome':
      s.inputs.set(e.id, e);
      t.outcome = newOutcome(e.body);
      break;
    case 'span.model_request_start': {
      const consumed = e.internal?.consumed ?? [];
      for (const id of consumed) {
        const input = s.inputs.get(id);
        if (!input) continue;
        s.inputs.delete(id);
        if (input.type === 'system.message') t.systemAdditions.push(systemText(input));
        else appendUserBlocks(t.messages, inputBlocks(input));
      }
      if (consumed.length > 0) {
        t.pendingInputs = t.pendingInputs.filter((p) => !consumed.includes(p.id));
        // New input starts a new turn: its tool-use rounds count from zero.
        t.toolRounds = 0;
      }
      const o = t.outcome;
      if (o) {
        // The request that consumes the definition starts the work the grader will read.
        if (o.phase === 'pending' && consumed.some((id) => id === o.definitionId)) {
          o.phase = 'working';
          o.workFrom = t.messages.length;
        }
        o.turnEnded = false;
      }
      // Every call of the previous response is answered or void by now: nothing refers to them again.
      for (const call of t.calls) s.calls.delete(call.eventId);
      t.calls = [];
      t.needsModel = false;
      t.openRequestId = e.id;
      t.lastRequestFailed = false;
      break;
    }
    case 'span.model_request_end':
      t.openRequestId = undefined;
      if (e.body.is_error || !e.internal) {
        t.lastRequestFailed = true;
        break;
      }
      t.messages.push({ role: 'assistant', content: e.internal.content as BetaContentBlockParam[] });
      // pause_turn: the provider paused a long server tool loop; sending the turn back resumes it.
      t.needsModel = e.internal.stop_reason === 'tool_use' || e.internal.stop_reason === 'pause_turn';
      if (e.internal.stop_reason === 'tool_use') t.toolRounds++;
      t.contextTokens = e.internal.context_tokens;
      if (t.outcome?.phase === 'working' && !t.needsModel) t.outcome.turnEnded = true;
      t.retries = undefined;
      t.compactionsInARow = 0;
      break;
    case 'agent.tool_use':
    case 'agent.custom_tool_use':
    case 'agent.mcp_tool_use': {
      const internal = e.internal;
      if (!internal) break;
      if (internal.kind === 'server') {
        // Run by the provider inside the model call: its result is in the recorded response.
        t.serverToolUses.set(internal.tool_use_id, e.id);
        break;
      }
      const call: ToolCall = {
        eventId: e.id,
        toolUseId: internal.tool_use_id,
        name: e.body.name,
        input: e.body.input ?? {},
        kind: internal.kind,
        thread: t.id,
        ...(e.type === 'agent.mcp_tool_use' ? { mcpServerName: e.body.mcp_server_name } : { delegatedTo: e.internal?.thread }),
        permission: e.type === 'agent.custom_tool_use' ? 'allow' : (e.body.evaluated_permission ?? 'allow'),
        started: internal.started === true,
        interrupted: false,
      };
      t.calls.push(call);
      s.calls.set(e.id, call);
      break;
    }
    case 'agent.mcp_tool_result':
      resolve(t, s.calls.get(e.body.mcp_tool_use_id), { content: toModelContent(e.body.content), isError: e.body.is_error === true });
      break;
    case 'user.tool_confirmation': {
      const call = s.calls.get(e.body.tool_use_id);
      if (call && !call.confirmation) call.confirmation = { result: e.body.result, denyMessage: e.body.deny_message ?? null };
      break;
    }
    case 'agent.tool_result':
    case 'user.tool_result':
      resolve(t, s.calls.get(e.body.tool_use_id), { content: toModelContent(e.body.content), isError: e.body.is_error === true });
      break;
    case 'user.custom_tool_result':
      resolve(t, s.calls.get(e.body.custom_tool_use_id), { content: toModelContent(e.body.content), isError: e.body.is_error === true });
      break;
    case 'session.error':
      if (e.body.error.type === 'credential_host_unreachable_error') s.unreachableCredentials.add(e.body.error.credential_id);
      if (e.internal) s.mountFailures.set(e.internal.resource_id, e.internal.resource_updated_at);
      break;
    case 'agent.thread_context_compacted': {
      const summary = e.internal?.summary ?? '';
      t.messages = [{ role: 'user', content: [{ type: 'text', text: `Summary of the conversation so far:\n\n${summary}` }] }];
      t.serverToolUses.clear();
      t.contextTokens = Math.ceil(summary.length / 4);
      if (t.outcome) t.outcome.workFrom = 0;
      t.retries = undefined;
      t.compactionsInARow++;
      break;
    }
    case 'span.outcome_evaluation_start':
      if (t.outcome?.outcomeId === e.body.outcome_id) {
        t.outcome.phase = 'evaluating';
        t.outcome.iteration = e.body.iteration;
        t.outcome.evaluationStartId = e.id;
      }
      break;
    case 'span.outcome_evaluation_end': {
      const o = t.outcome;
      if (o?.outcomeId !== e.body.outcome_id) break;
      o.evaluationStartId = undefined;
      o.turnEnded = false;
      t.retries = undefined;
      if (e.body.result === 'needs_revision' || e.body.result === 'max_iterations_reached') {
        // The grader's feedback is the agent's next user turn (no idle in between).
        appendUserBlocks(t.messages, [{ type: 'text', text: feedbackText(e.body.result, e.body.iteration, e.body.explanation) }]);
        t.needsModel = true;
      }
      if (TERMINAL_RESULTS.has(e.body.result)) o.phase = 'done';
      else {
        o.phase = 'working';
        o.iteration = e.body.iteration + 1;
      }
      break;
    }
    case 'session.thread_created':
      if (e.internal && !s.threads.has(e.body.session_thread_id)) {
        s.threads.set(e.body.session_thread_id, newThreadState(e.body.session_thread_id, e.internal.agent));
      }
      break;
    case 'agent.thread_message_sent': {
      const to = s.threads.get(e.body.to_session_thread_id);
      if (to && e.internal) to.replyTo = e.internal.call;
      break;
    }
    case 'agent.thread_message_received': {
      const from = s.threads.get(e.body.from_session_thread_id);
      if (from) from.replyTo = undefined;
      break;
    }
    case 'session.thread_status_running':
    case 'session.status_running':
      t.status = 'running';
      t.waitingOn = undefined;
      t.budgetStopped = false;
      t.budgetParked = [];
      break;
    case 'session.thread_status_rescheduled':
    case 'session.status_rescheduled':
      t.status = 'rescheduling';
      t.waitingOn = undefined;
      t.retries = { count: (t.retries?.count ?? 0) + 1, lastEventId: e.id, lastAt: e.createdAt };
      break;
    case 'session.thread_status_terminated':
    case 'session.status_terminated':
      t.status = 'terminated';
      break;
    case 'session.thread_status_idle':
    case 'session.status_idle':
      // The session's turn is over: its next one tries the resources that failed again.
      if (e.type === 'session.status_idle') s.mountFailures.clear();
      t.status = 'idle';
      t.waitingOn = e.body.stop_reason.type === 'requires_action' ? e.body.stop_reason.event_ids : undefined;
      t.budgetStopped = e.body.stop_reason.type === 'budget_reached';
      t.budgetParked = t.budgetStopped ? t.pendingInputs.map((p) => p.id) : [];
      t.retries = undefined;
      if (e.internal?.endsTurn) t.needsModel = false;
      if (e.internal?.interrupted) {
        for (const call of t.calls) {
          if (!call.result && !call.interrupted) {
            call.interrupted = true;
            appendUserBlocks(t.messages, [toolResultBlock(call)]);
          }
        }
        t.needsModel = false;
        if (t.outcome && t.outcome.phase !== 'pending' && t.outcome.phase !== 'done') t.outcome.phase = 'done';
      }
      break;
  }
}

/** Folds `log` into `state` (a fresh state by default). */
export function foldLog(log: Iterable<EventRecord>, state: SessionState = newSessionState()): SessionState {
  for (const e of log) foldEvent(state, e);
  return state;
}

/** Mirrors stamping queued events processed: they leave every queue. */
export function markProcessed(s: SessionState, ids: readonly string[]): void {
  if (ids.length === 0) return;
  const done = new Set(ids);
  for (const t of s.threads.values()) {
    t.pendingInputs = t.pendingInputs.filter((e) => !done.has(e.id));
    t.pendingInterrupts = t.pendingInterrupts.filter((e) => !done.has(e.id));
    t.pendingAnswers = t.pendingAnswers.filter((e) => !done.has(e.id));
  }
}

/** Mirrors durably marking a built-in call started (before it runs). */
export function markStarted(s: SessionState, callEventId: string, thread?: string): void {
  const call = s.calls.get(callEventId);
  if (call) call.started = true;
  if (call && thread !== undefined) call.delegatedTo = thread;
}

/**
 * Mirrors the engine's own write on the state, for what the next refresh would not redo: stamps
 * and markers on events already folded, and the status it set (so later changes in the same step
 * see it; the status event itself is folded on the next refresh and agrees).
 */
export function patchOwnWrite(s: SessionState, changes: LogChanges, thread: string): void {
  markProcessed(s, changes.processed);
  for (const { id, internal } of changes.internals) if (internal.started) markStarted(s, id, internal.thread);
  const t = s.threads.get(thread);
  const status = changes.threadStatus ?? changes.status;
  if (t && status !== undefined) t.status = status;
}

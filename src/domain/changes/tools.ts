// Changes around tool calls: refusing or abandoning them, marking one started, recording results.
import { toWireContent, type ModelToolResultContent } from '../conversation-blocks.js';
import type { ToolUseInternal } from '../event-internal.js';
import type { EventFields } from '../records/event.js';
import type { ThreadState, ToolCall } from '../session-state.js';
import { engineEvent, textContent } from './engine-event.js';
import { mergeChanges, noChanges, type ChangeEnv, type LogChanges } from './log-changes.js';
import { ensureRunning } from './turn.js';

export const ABANDONED_TEXT =
  'This tool call was cut off by a server restart before its result was recorded. It was not ' +
  'run again, to avoid repeating its side effects; check its effects and run it again if needed.';

export function refusalText(call: ToolCall): string {
  if (call.confirmation?.result === 'deny') {
    const message = call.confirmation.denyMessage ? ` Message from the user: ${call.confirmation.denyMessage}` : '';
    return `The user denied permission to run ${call.name}.${message}`;
  }
  return `The tool ${call.name} is not enabled for this agent.`;
}

/** The queued answers (confirmations) about `calls`: the step acting on the calls consumes them. */
const confirmationsOf = (t: ThreadState, calls: readonly ToolCall[]) => {
  const ids = new Set(calls.map((call) => call.eventId));
  return t.pendingAnswers.filter((e) => e.type !== 'user.custom_tool_result' && ids.has(e.body.tool_use_id)).map((e) => e.id);
};

type ToolResultFields = EventFields<'agent.tool_result'>;

/** agent.tool_result, or agent.mcp_tool_result for an MCP call. */
const resultEvent = (t: ThreadState, call: ToolCall, fields: Omit<ToolResultFields, 'tool_use_id'>, env: ChangeEnv) =>
  call.kind === 'mcp'
    ? engineEvent('agent.mcp_tool_result', { mcp_tool_use_id: call.eventId, ...fields }, env, { thread: t.id })
    : engineEvent('agent.tool_result', { tool_use_id: call.eventId, ...fields }, env, { thread: t.id });

/** Error results for calls that will not run, consuming the confirmations that led there. */
export function answerWithErrors(t: ThreadState, calls: readonly ToolCall[], text: (call: ToolCall) => string, env: ChangeEnv): LogChanges {
  return mergeChanges(ensureRunning(t, env), {
    ...noChanges(env.at),
    processed: confirmationsOf(t, calls),
    events: calls.map((call) => resultEvent(t, call, { content: textContent(text(call)), is_error: true }, env)),
  });
}

/** Built-in tools that only look: running one again changes nothing, and it leaves nothing to capture. */
const READ_ONLY_TOOLS: ReadonlySet<string> = new Set(['read', 'glob', 'grep']);

export const changesNothing = (call: ToolCall) => call.kind === 'builtin' && READ_ONLY_TOOLS.has(call.name);

/**
 * Before a built-in or MCP call runs: durably marked started, so after a crash it is reported, never re-run.
 * A read-only call is not marked (one write fewer per call): cut off by a crash, it simply runs again.
 * What remains may be nothing at all (the thread already running, no confirmation to stamp).
 */
export function startTool(t: ThreadState, call: ToolCall, env: ChangeEnv): LogChanges {
  const internal: ToolUseInternal = { tool_use_id: call.toolUseId, kind: call.kind, started: true };
  return mergeChanges(ensureRunning(t, env), {
    ...noChanges(env.at),
    processed: confirmationsOf(t, [call]),
    internals: changesNothing(call) ? [] : [{ id: call.eventId, internal }],
  });
}

type ToolOutcome = { content: ModelToolResultContent; isError: boolean };

/** The tool's result with agentd's notes about it appended (e.g. memory files the store refused). */
export function withNotes(outcome: ToolOutcome, notes: readonly string[]): ToolOutcome {
  if (notes.length === 0) return outcome;
  const content: ModelToolResultContent = typeof outcome.content === 'string' ? [{ type: 'text', text: outcome.content }] : [...(outcome.content ?? [])];
  return { ...outcome, content: [...content, ...notes.map((text) => ({ type: 'text' as const, text }))] };
}

/** What the tool returned. */
export function toolResult(t: ThreadState, call: ToolCall, outcome: ToolOutcome, env: ChangeEnv): LogChanges {
  return { ...noChanges(env.at), events: [resultEvent(t, call, { content: toWireContent(outcome.content), is_error: outcome.isError }, env)] };
}

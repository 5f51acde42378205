// The engine's next step, decided from the folded state alone (no effects here). Every variant
// names the thread it acts on; the runner applies it with the step's handler
// (src/engine/steps/), and the events each step writes are built by src/domain/changes/.
import { retryDueAt, type RetryPolicy } from './retry.js';
import { hasOpenWork, openCalls, type SessionState, type ThreadState, type ToolCall } from './session-state.js';

export type Step =
  /** Interrupts are queued: stamp them, and stop the turn if anything is under way. */
  | { type: 'interrupt'; thread: string; interruptIds: string[]; stopTurn: boolean }
  /** Built-in calls that began but never recorded a result (crash, shutdown): never run twice. */
  | { type: 'abandon_tools'; thread: string; calls: ToolCall[] }
  /** Calls that may not run (denied by the user or by policy): answer them with an error. */
  | { type: 'refuse_tools'; thread: string; calls: ToolCall[] }
  /** A built-in call cleared to run here (policy allow, or confirmed). */
  | { type: 'run_tool'; thread: string; call: ToolCall }
  /** An MCP call cleared to run (always on the server, whatever the environment). */
  | { type: 'run_mcp_tool'; thread: string; call: ToolCall }
  /** Self-hosted environment: cleared calls wait for a worker's user.tool_result. */
  | { type: 'offer_remote'; thread: string; calls: ToolCall[] }
  /** The history nears the context window: summarise it before the next model call. */
  | { type: 'compact'; thread: string }
  /** Call the model (new input, tool results to continue from, or a retry), closing a request cut off by a crash first. */
  | { type: 'call_model'; thread: string; closeSpan?: string | undefined }
  /** A failed model call is rescheduled: wait until the retry is due (epoch ms). */
  | { type: 'wait'; thread: string; until: number }
  /** Blocked on the client (confirmations, custom tool results): announce it. */
  | { type: 'await_client'; thread: string; eventIds: string[] }
  /** The turn is over: go idle. */
  | { type: 'end_turn'; thread: string }
  /** Nothing to do until new input arrives (the idle state is already announced). */
  | { type: 'done' };

export type StepType = Step['type'];

export interface DecideContext {
  /** The clock's time (epoch ms). */
  now: number;
  /** Built-in tools run on the environment's own workers (self_hosted), not here. */
  remoteTools: boolean;
  /** Compact before a model call once the context exceeds this many tokens. */
  compactAbove: number;
  retry: RetryPolicy;
}

const DONE: Step = { type: 'done' };

const sameIds = (a: readonly string[] | undefined, b: readonly string[]) =>
  a !== undefined && a.length === b.length && a.every((id, i) => id === b[i]);

/**
 * Tools run inside a step, so when this is called no call is in flight in this process: a call
 * that started and has no result was cut off (crash, shutdown) and is abandoned, not re-run.
 */
function decideThread(t: ThreadState, ctx: DecideContext): Step {
  const thread = t.id;
  if (t.pendingInterrupts.length > 0) {
    return { type: 'interrupt', thread, interruptIds: t.pendingInterrupts.map((e) => e.id), stopTurn: hasOpenWork(t) };
  }

  const open = openCalls(t);
  // MCP calls run here in every environment; built-in ones only outside self_hosted.
  const ranHere = (call: ToolCall) => call.kind === 'mcp' || (call.kind === 'builtin' && !ctx.remoteTools);
  const abandoned = open.filter((call) => ranHere(call) && call.started);
  if (abandoned.length > 0) return { type: 'abandon_tools', thread, calls: abandoned };

  const cleared = (call: ToolCall) => call.kind !== 'custom';
  const refused = open.filter((call) => cleared(call) && (call.permission === 'deny' || call.confirmation?.result === 'deny'));
  if (refused.length > 0) return { type: 'refuse_tools', thread, calls: refused };

  const mcp = open.find(
    (call) => call.kind === 'mcp' && !call.started && (call.permission === 'allow' || call.confirmation?.result === 'allow'),
  );
  if (mcp) return { type: 'run_mcp_tool', thread, call: mcp };

  const runnable = open.filter(
    (call) => call.kind === 'builtin' && !call.started && (call.permission === 'allow' || call.confirmation?.result === 'allow'),
  );
  if (runnable.length > 0) return ctx.remoteTools ? { type: 'offer_remote', thread, calls: runnable } : { type: 'run_tool', thread, call: runnable[0]! };

  if (open.length > 0) {
    const eventIds = open.map((call) => call.eventId);
    return t.status === 'idle' && sameIds(t.waitingOn, eventIds) ? DONE : { type: 'await_client', thread, eventIds };
  }

  if (t.status === 'rescheduling' && t.retries) {
    const until = retryDueAt(t.retries, ctx.retry);
    if (ctx.now < until) return { type: 'wait', thread, until };
  }

  const retryDue = t.lastRequestFailed && t.status === 'rescheduling';
  if (t.needsModel || t.pendingInputs.length > 0 || retryDue || t.openRequestId !== undefined) {
    if (t.messages.length > 0 && t.contextTokens > ctx.compactAbove) return { type: 'compact', thread };
    return { type: 'call_model', thread, ...(t.openRequestId !== undefined ? { closeSpan: t.openRequestId } : {}) };
  }

  return t.status !== 'idle' || t.waitingOn !== undefined ? { type: 'end_turn', thread } : DONE;
}

/** The next step of the first thread that has one (the primary thread first). */
export function decide(s: SessionState, ctx: DecideContext): Step {
  for (const t of s.threads.values()) {
    const step = decideThread(t, ctx);
    if (step.type !== 'done') return step;
  }
  return DONE;
}

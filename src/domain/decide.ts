// The engine's next step, decided from the folded state alone (no effects here). Every variant
// names the thread it acts on; the runner applies it with the step's handler
// (src/engine/steps/), and the events each step writes are built by src/domain/changes/.
import { retryDueAt, type RetryPolicy } from './retry.js';
import { childThreads, hasOpenWork, isChild, openCalls, type SessionState, type ThreadState, type ToolCall } from './session-state.js';

export type Step =
  /** Interrupts are queued: stamp them, and stop the turn if anything is under way. */
  | { type: 'interrupt'; thread: string; interruptIds: string[]; stopTurn: boolean; threads?: string[] | undefined }
  /** The coordinator called call_agent: start (or continue) the thread that answers it. */
  | { type: 'delegate'; thread: string; call: ToolCall }
  /** The coordinator idled on its threads' requests for the client, and a thread works again. */
  | { type: 'resume'; thread: string }
  /** Built-in calls that began but never recorded a result (crash, shutdown): never run twice. */
  | { type: 'abandon_tools'; thread: string; calls: ToolCall[] }
  /** Calls that may not run (denied by the user or by policy): answer them with an error. */
  | { type: 'refuse_tools'; thread: string; calls: ToolCall[] }
  /** This machine's copy of the session's workspace lacks resources: materialise them before the sandbox or the model is used. */
  | { type: 'prepare_workspace'; thread: string }
  /** A built-in call cleared to run here (policy allow, or confirmed). */
  | { type: 'run_tool'; thread: string; call: ToolCall }
  /** An MCP call cleared to run (always on the server, whatever the environment). */
  | { type: 'run_mcp_tool'; thread: string; call: ToolCall }
  /** Self-hosted environment: cleared calls wait for a worker's user.tool_result. */
  | { type: 'offer_remote'; thread: string; calls: ToolCall[] }
  /** The history nears the context window: summarise it before the next model call. */
  | { type: 'compact'; thread: string }
  /** The turn took maxToolRounds tool-use rounds: end it with session.error tool_use_limit_reached_error. */
  | { type: 'tool_use_limit'; thread: string }
  /** Compaction ran MAX_COMPACTIONS_IN_A_ROW times without the model answering: end the turn with session.error. */
  | { type: 'compaction_limit'; thread: string }
  /** Call the model (new input, tool results to continue from, or a retry), closing a request cut off by a crash first. */
  | { type: 'call_model'; thread: string; closeSpan?: string | undefined }
  /** A failed model call is rescheduled: wait until the retry is due (epoch ms). */
  | { type: 'wait'; thread: string; until: number }
  /** Blocked on the client (confirmations, custom tool results): announce it. */
  | { type: 'await_client'; thread: string; eventIds: string[] }
  /** The agent's turn on an outcome ended: the grader scores it (resuming `startId`'s span after a crash). */
  | { type: 'grade'; thread: string; startId?: string | undefined }
  /** The session's list cost reached its budget: stop before the next model call (paused, not failed). */
  | { type: 'budget_reached'; thread: string }
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
  /** The session's budget allows no further model call (see budget.ts). */
  budgetReached: boolean;
  /** Tool-use rounds a turn may take before it stops with tool_use_limit_reached_error. */
  maxToolRounds: number;
  /** This machine has resources of the session to materialise (or remove) first (workspace-mounts.ts). */
  mountsPending: boolean;
}

const DONE: Step = { type: 'done' };

/** Compactions allowed back to back before the turn stops (a summary that never fits would loop forever). */
export const MAX_COMPACTIONS_IN_A_ROW = 3;

const sameIds = (a: readonly string[] | undefined, b: readonly string[]) =>
  a !== undefined && a.length === b.length && a.every((id, i) => id === b[i]);

/**
 * Tools run inside a step, so when this is called no call is in flight in this process: a call
 * that started and has no result was cut off (crash, shutdown) and is abandoned, not re-run.
 */
function decideThread(s: SessionState, t: ThreadState, ctx: DecideContext): Step {
  const thread = t.id;
  if (t.pendingInterrupts.length > 0) {
    // Interrupting the session interrupts every thread at work.
    const threads = isChild(t) ? [] : childThreads(s).filter((c) => c.status !== 'terminated' && (hasOpenWork(c) || c.replyTo !== undefined)).map((c) => c.id);
    const stopTurn = hasOpenWork(t) || threads.length > 0;
    return { type: 'interrupt', thread, interruptIds: t.pendingInterrupts.map((e) => e.id), stopTurn, ...(threads.length > 0 ? { threads } : {}) };
  }
  if (t.status === 'terminated') return DONE;

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
  if (runnable.length > 0) {
    if (ctx.remoteTools) return { type: 'offer_remote', thread, calls: runnable };
    return ctx.mountsPending ? { type: 'prepare_workspace', thread } : { type: 'run_tool', thread, call: runnable[0]! };
  }

  const toDelegate = open.find((call) => call.kind === 'delegate' && !call.started);
  if (toDelegate) return { type: 'delegate', thread, call: toDelegate };

  const forClient = open.filter((call) => call.kind !== 'delegate');
  if (forClient.length > 0) {
    const eventIds = forClient.map((call) => call.eventId);
    return t.status === 'idle' && sameIds(t.waitingOn, eventIds) ? DONE : { type: 'await_client', thread, eventIds };
  }
  if (open.length > 0) return awaitThreads(s, t, open);

  if (t.status === 'rescheduling' && t.retries) {
    const until = retryDueAt(t.retries, ctx.retry);
    if (ctx.now < until) return { type: 'wait', thread, until };
  }

  // A grading under way (or cut off by a crash, or waiting out a retry) finishes before anything else.
  if (t.outcome?.phase === 'evaluating') return { type: 'grade', thread, startId: t.outcome.evaluationStartId };

  const retryDue = t.lastRequestFailed && t.status === 'rescheduling';
  if (t.needsModel || t.pendingInputs.length > 0 || retryDue || t.openRequestId !== undefined) {
    // Input stays queued; raising the budget and sending a message continues from here.
    if (ctx.budgetReached) return t.budgetStopped ? DONE : { type: 'budget_reached', thread };
    // A raise alone starts nothing (whatever wakes the runner: the lease sweep finds the queued
    // input): the turn continues when a message arrives after the stop, with every queued input.
    if (t.budgetStopped && t.pendingInputs.every((e) => t.budgetParked.includes(e.id))) return DONE;
    // The tool loop would go on past its limit: stopped once; new input starts a new turn.
    if (t.needsModel && t.pendingInputs.length === 0 && t.toolRounds >= ctx.maxToolRounds) {
      return t.status === 'idle' ? DONE : { type: 'tool_use_limit', thread };
    }
    if (t.messages.length > 0 && t.contextTokens > ctx.compactAbove) {
      if (t.compactionsInARow < MAX_COMPACTIONS_IN_A_ROW) return { type: 'compact', thread };
      // Reported once; the queued input waits for the next message, which starts a new turn.
      return t.status === 'idle' ? DONE : { type: 'compaction_limit', thread };
    }
    // A turn starts with the session's resources in place, as a hosted session's container does.
    if (ctx.mountsPending) return { type: 'prepare_workspace', thread };
    return { type: 'call_model', thread, ...(t.openRequestId !== undefined ? { closeSpan: t.openRequestId } : {}) };
  }

  if (t.outcome?.phase === 'working' && t.outcome.turnEnded) return { type: 'grade', thread };

  return t.status !== 'idle' || t.waitingOn !== undefined ? { type: 'end_turn', thread } : DONE;
}

/**
 * The coordinator waits on its delegated calls; the threads answering them take their own steps.
 * When every one of those threads waits for the client, the session idles requires_action on
 * their requests (cross-posted to its stream); when one works again, the session runs again.
 */
function awaitThreads(s: SessionState, t: ThreadState, delegated: ToolCall[]): Step {
  const waitingOn: string[] = [];
  let working = false;
  for (const call of delegated) {
    const child = call.delegatedTo !== undefined ? s.threads.get(call.delegatedTo) : undefined;
    if (child && child.status === 'idle' && child.waitingOn !== undefined) waitingOn.push(...child.waitingOn);
    else working = true;
  }
  if (!working && waitingOn.length > 0) {
    return t.status === 'idle' && sameIds(t.waitingOn, waitingOn) ? DONE : { type: 'await_client', thread: t.id, eventIds: waitingOn };
  }
  return t.status === 'idle' ? { type: 'resume', thread: t.id } : DONE;
}

/** The next step of the first thread that has one (the primary thread first). */
export function decide(s: SessionState, ctx: DecideContext): Step {
  return decideThreads(s, ctx)[0] ?? DONE;
}

/**
 * The next step of every thread that has one, the primary first, skipping `busy` threads (a step
 * of theirs is still under way): threads of a multi-agent session run side by side.
 */
export function decideThreads(s: SessionState, ctx: DecideContext, busy: ReadonlySet<string> = new Set()): Exclude<Step, { type: 'done' }>[] {
  const steps: Exclude<Step, { type: 'done' }>[] = [];
  for (const t of s.threads.values()) {
    if (busy.has(t.id)) continue;
    const step = decideThread(s, t, ctx);
    if (step.type !== 'done') steps.push(step);
  }
  return steps;
}

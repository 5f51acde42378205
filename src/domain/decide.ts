// The engine's next step, decided from the folded log alone (no effects here).
import { openCalls, type Conversation, type ToolCall } from './conversation.js';

export type Step =
  /** An interrupt is queued: stop, void open calls, go idle. */
  | { type: 'interrupt' }
  /** Built-in calls that began but never recorded a result (crash, shutdown): never run twice. */
  | { type: 'abandon_tools'; calls: ToolCall[] }
  /** Built-in calls cleared to run (policy allow, or confirmed). */
  | { type: 'run_tools'; calls: ToolCall[] }
  /** Self-hosted environment: cleared calls wait for a worker's user.tool_result. */
  | { type: 'offer_remote'; calls: ToolCall[] }
  /** Calls that may not run (denied by the user or by policy): answer them with an error. */
  | { type: 'refuse_tools'; calls: ToolCall[] }
  /** Call the model (new input, or tool results to continue from). */
  | { type: 'call_model' }
  /** Blocked on the client: confirmations or custom tool results. */
  | { type: 'await_client'; eventIds: string[] }
  /** Nothing to do: the turn is over. */
  | { type: 'end_turn' };

/**
 * Tools run inside a step, so when this is called no call is in flight in this process: a call
 * that started and has no result was cut off (crash, shutdown) and is abandoned, not re-run.
 */
export interface DecideOptions {
  /** Built-in tools run on the environment's own workers (self_hosted), not here. */
  remoteTools: boolean;
}

export function decide(c: Conversation, opts: DecideOptions = { remoteTools: false }): Step {
  if (c.pendingInterrupts.length > 0) return { type: 'interrupt' };

  const open = openCalls(c);
  const abandoned = opts.remoteTools ? [] : open.filter((call) => call.kind === 'builtin' && call.started);
  if (abandoned.length > 0) return { type: 'abandon_tools', calls: abandoned };

  const refused = open.filter(
    (call) => call.kind === 'builtin' && (call.permission === 'deny' || call.confirmation?.result === 'deny'),
  );
  if (refused.length > 0) return { type: 'refuse_tools', calls: refused };

  const runnable = open.filter(
    (call) =>
      call.kind === 'builtin' &&
      !call.started &&
      (call.permission === 'allow' || call.confirmation?.result === 'allow'),
  );
  if (runnable.length > 0) return opts.remoteTools ? { type: 'offer_remote', calls: runnable } : { type: 'run_tools', calls: runnable };

  if (open.length > 0) return { type: 'await_client', eventIds: open.map((call) => call.eventId) };

  const retryDue = c.lastRequestFailed && c.phase === 'rescheduling';
  if (c.needsModel || c.pendingInputs.length > 0 || retryDue || c.openRequestId !== undefined) {
    return { type: 'call_model' };
  }
  return { type: 'end_turn' };
}

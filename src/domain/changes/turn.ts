// Changes of a thread's turn: status transitions, interrupts, waiting for the client, ending.
import type { IdleInternal } from '../event-internal.js';
import type { NewEvent, WireEvent } from '../records/event.js';
import { isChild, type ThreadState } from '../session-state.js';
import { engineEvent } from './engine-event.js';
import { mergeChanges, noChanges, type ChangeEnv, type LogChanges } from './log-changes.js';
import { threadReply } from './threads.js';

type StopReason = WireEvent<'session.status_idle'>['stop_reason'];

/**
 * The primary thread's status events are the session's; the session record's status changes with
 * them in the same write, so retrieve and the stream never disagree. A child thread writes
 * session.thread_status_* on its own stream, cross-posted to the session's.
 */
function status(t: ThreadState, next: 'running' | 'rescheduling', env: ChangeEnv): LogChanges {
  if (isChild(t)) {
    const type = next === 'running' ? 'session.thread_status_running' : 'session.thread_status_rescheduled';
    const event = engineEvent(type, { session_thread_id: t.id, agent_name: t.agentName }, env, { thread: t.id, crossPost: true });
    return { ...noChanges(env.at), events: [event], threadStatus: next };
  }
  const type = next === 'running' ? 'session.status_running' : 'session.status_rescheduled';
  return { ...noChanges(env.at), events: [engineEvent(type, {}, env, { thread: t.id })], status: next };
}

/** session.status_running unless the thread already runs. */
export const ensureRunning = (t: ThreadState, env: ChangeEnv): LogChanges =>
  t.status === 'running' ? noChanges(env.at) : status(t, 'running', env);

export const reschedule = (t: ThreadState, env: ChangeEnv): LogChanges => status(t, 'rescheduling', env);

/**
 * The thread goes idle. A child thread that ends its turn (or fails) answers the coordinator's
 * call that started it, in the same write; one waiting for the client does not.
 */
export function idle(t: ThreadState, stopReason: StopReason, env: ChangeEnv, internal?: IdleInternal): LogChanges {
  const opts = { thread: t.id, ...(internal ? { internal } : {}) };
  let event: NewEvent;
  if (isChild(t)) {
    event = engineEvent('session.thread_status_idle', { session_thread_id: t.id, agent_name: t.agentName, stop_reason: stopReason, stop_details: null }, env, {
      ...opts,
      crossPost: true,
    });
  } else {
    event = engineEvent('session.status_idle', { stop_reason: stopReason, stop_details: null }, env, opts);
  }
  const changed = t.status === 'idle' ? {} : isChild(t) ? { threadStatus: 'idle' as const } : { status: 'idle' as const };
  const idled: LogChanges = { ...noChanges(env.at), events: [event], ...changed };
  const replies = isChild(t) && t.replyTo !== undefined && stopReason.type !== 'requires_action';
  if (!replies) return idled;
  const how = stopReason.type === 'retries_exhausted' ? 'failed' : internal?.interrupted ? 'interrupted' : 'answered';
  return mergeChanges(idled, threadReply(t, how, env));
}

/** Stamps the interrupts; if a turn is under way it stops, voiding its open calls. */
export function interrupt(t: ThreadState, step: { interruptIds: string[]; stopTurn: boolean }, env: ChangeEnv): LogChanges {
  const stamped: LogChanges = { ...noChanges(env.at), processed: step.interruptIds };
  return step.stopTurn ? mergeChanges(stamped, idle(t, { type: 'end_turn' }, env, { interrupted: true })) : stamped;
}

export const awaitClient = (t: ThreadState, eventIds: string[], env: ChangeEnv) =>
  idle(t, { type: 'requires_action', event_ids: eventIds }, env);

export const endTurn = (t: ThreadState, env: ChangeEnv) => idle(t, { type: 'end_turn' }, env);

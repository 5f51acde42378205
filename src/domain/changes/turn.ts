// Changes of a thread's turn: status transitions, interrupts, waiting for the client, ending.
import type { IdleInternal } from '../event-internal.js';
import type { WireEvent } from '../records/event.js';
import type { ThreadState } from '../session-state.js';
import { engineEvent } from './engine-event.js';
import { mergeChanges, noChanges, type ChangeEnv, type LogChanges } from './log-changes.js';

type StopReason = WireEvent<'session.status_idle'>['stop_reason'];

/**
 * Status events are the session's (the primary thread's); the session record's status changes
 * with them in the same write, so retrieve and the stream never disagree. Other threads' statuses
 * (session.thread_status_*) plug in here with multi-agent threads.
 */
function status(t: ThreadState, next: 'running' | 'rescheduling', env: ChangeEnv): LogChanges {
  const type = next === 'running' ? 'session.status_running' : 'session.status_rescheduled';
  return { ...noChanges(env.at), events: [engineEvent(type, {}, env, { thread: t.id })], status: next };
}

/** session.status_running unless the thread already runs. */
export const ensureRunning = (t: ThreadState, env: ChangeEnv): LogChanges =>
  t.status === 'running' ? noChanges(env.at) : status(t, 'running', env);

export const reschedule = (t: ThreadState, env: ChangeEnv): LogChanges => status(t, 'rescheduling', env);

export function idle(t: ThreadState, stopReason: StopReason, env: ChangeEnv, internal?: IdleInternal): LogChanges {
  const event = engineEvent('session.status_idle', { stop_reason: stopReason, stop_details: null }, env, {
    thread: t.id,
    ...(internal ? { internal } : {}),
  });
  return { ...noChanges(env.at), events: [event], ...(t.status === 'idle' ? {} : { status: 'idle' as const }) };
}

/** Stamps the interrupts; if a turn is under way it stops, voiding its open calls. */
export function interrupt(t: ThreadState, step: { interruptIds: string[]; stopTurn: boolean }, env: ChangeEnv): LogChanges {
  const stamped: LogChanges = { ...noChanges(env.at), processed: step.interruptIds };
  return step.stopTurn ? mergeChanges(stamped, idle(t, { type: 'end_turn' }, env, { interrupted: true })) : stamped;
}

export const awaitClient = (t: ThreadState, eventIds: string[], env: ChangeEnv) =>
  idle(t, { type: 'requires_action', event_ids: eventIds }, env);

export const endTurn = (t: ThreadState, env: ChangeEnv) => idle(t, { type: 'end_turn' }, env);

export const stopForBudget = (t: ThreadState, env: ChangeEnv) => idle(t, { type: 'budget_reached' }, env);

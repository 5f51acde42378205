// What a session has spent and how long it has run: the runtime counters an engine write moves
// (cost of its model calls, active time across status changes). Cost is exact integer
// nano-dollars; the wire speaks integer cents as strings.
import type { SessionUsage } from '../api/wire.js';
import { centsString } from './budget.js';
import type { SessionRuntime, SessionStatus } from './records/session.js';
import type { UsageRecord } from './records/usage.js';

export type { SessionRuntime };

export const emptyRuntime = (): SessionRuntime => ({ listCostNanoUsd: 0, unpricedCalls: 0, activeMs: 0, runningSince: null });

/** The runtime after a write: its calls' cost added, and the running interval opened or closed by a status change. */
export function advanceRuntime(
  current: SessionRuntime,
  change: { status?: SessionStatus | undefined; calls?: readonly UsageRecord[] | undefined; at: string },
): SessionRuntime {
  const next = { ...current };
  for (const call of change.calls ?? []) {
    if (call.listCostNanoUsd === null) next.unpricedCalls += 1;
    else next.listCostNanoUsd += call.listCostNanoUsd;
  }
  if (change.status === 'running' && next.runningSince === null) next.runningSince = change.at;
  if (change.status !== undefined && change.status !== 'running' && next.runningSince !== null) {
    next.activeMs += Math.max(0, Date.parse(change.at) - Date.parse(next.runningSince));
    next.runningSince = null;
  }
  return next;
}

/** Active time up to `now` (epoch ms): the closed intervals plus the open one. */
export const activeMsAt = (r: SessionRuntime, now: number): number =>
  r.activeMs + (r.runningSince === null ? 0 : Math.max(0, now - Date.parse(r.runningSince)));


const seconds = (ms: number) => Math.round(ms) / 1000;

/**
 * The session's `usage` at `now` (epoch ms): token totals, list cost (integer cents, rounded up)
 * and active time. One thread runs at a time here, so the session's active time and the sum of
 * its threads' are the same figure.
 */
export function usageAt(usage: SessionUsage, r: SessionRuntime, now: number): SessionUsage {
  return { ...usage, active_seconds: seconds(activeMsAt(r, now)), list_cost: { amount: centsString(r.listCostNanoUsd), currency: 'USD' } };
}

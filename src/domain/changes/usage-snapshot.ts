// The `session.usage` event: a snapshot of the session's cumulative usage, list cost, active time
// and budget, written with every step whose model call completed (turn, compaction or grader
// call), after that call's span. Its figures are the session's totals as that write leaves them
// (domain/session-runtime.ts), so the stream, the event list and `sessions.retrieve` agree. The
// fold ignores it: replay never depends on it.
import type { NewId } from '../ids.js';
import type { NewEvent } from '../records/event.js';
import type { BudgetLimit, SessionRuntime } from '../records/session.js';
import type { SessionUsage } from '../../api/wire.js';
import { usageAt } from '../session-runtime.js';
import { snapshotIndex, type LogChanges } from './log-changes.js';
import { engineEvent } from './engine-event.js';

/** The session after a write: what the snapshot reports. */
export interface SessionTotals {
  usage: SessionUsage;
  runtime: SessionRuntime;
  budget: BudgetLimit | null;
}

/** The snapshot a write adds, if one of its model calls completed (failed and cut calls add nothing). */
export function usageSnapshot(changes: LogChanges, after: SessionTotals, newId: NewId): NewEvent<'session.usage'> | undefined {
  if (!(changes.calls ?? []).some((c) => c.outcome === 'ok')) return undefined;
  const u = usageAt(after.usage, after.runtime, Date.parse(changes.at));
  const usage = {
    input_tokens: u.input_tokens ?? 0,
    output_tokens: u.output_tokens ?? 0,
    cache_read_input_tokens: u.cache_read_input_tokens ?? 0,
    cache_creation: {
      ephemeral_5m_input_tokens: u.cache_creation?.ephemeral_5m_input_tokens ?? 0,
      ephemeral_1h_input_tokens: u.cache_creation?.ephemeral_1h_input_tokens ?? 0,
    },
    active_seconds: u.active_seconds ?? 0,
    list_cost: u.list_cost!,
    ...(u.server_tool_use ? { server_tool_use: u.server_tool_use } : {}),
  };
  // A session-level event: on the session's stream whichever thread made the call.
  return engineEvent('session.usage', { usage, budget: after.budget }, { at: changes.at, newId });
}

/** The write's events with the snapshot at `at` (LogChanges.snapshotAt), by default at snapshotIndex. */
export function withSnapshot(events: readonly NewEvent[], snapshot: NewEvent<'session.usage'> | undefined, at = snapshotIndex(events)): NewEvent[] {
  if (!snapshot) return [...events];
  return [...events.slice(0, at), snapshot, ...events.slice(at)];
}

// What one engine step writes, as data: events to append plus in-place stamps and the session's
// runtime fields. The engine applies a LogChanges in one transaction (engine/log-writer.ts), the
// single place every engine write goes through.
import type { BetaUsage } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import type { OutcomeEvaluation } from '../../api/wire.js';
import type { ToolUseInternal } from '../event-internal.js';
import type { NewId } from '../ids.js';
import type { NewEvent } from '../records/event.js';
import type { SessionStatus } from '../records/session.js';
import type { UsageRecord } from '../records/usage.js';

export interface LogChanges {
  /** The time of the write: processed stamps and event timestamps. */
  at: string;
  /** Events to append, in order. */
  events: NewEvent[];
  /** Queued client events the step acted on: stamped processed. */
  processed: string[];
  /** Engine data replaced on events already in the log (a tool call marked started). */
  internals: Array<{ id: string; internal: ToolUseInternal }>;
  /** The session's new status, when it changes. */
  status?: SessionStatus | undefined;
  /** A child thread's new status (its session.thread_status_* event says so; the session's is unchanged). */
  threadStatus?: SessionStatus | undefined;
  /** A model call's usage, added to the session's total. */
  usage?: BetaUsage | undefined;
  /** An outcome's resource as `sessions.retrieve` shows it from now on (replaces the one with its id). */
  outcome?: OutcomeEvaluation | undefined;
  /** Model calls made by the step (priced by the engine): usage-ledger rows, their cost added to the session's. */
  calls?: UsageRecord[] | undefined;
  /**
   * How many of the events go before the session.usage snapshot of the calls (the rest after it); by default where
   * the calls' own write puts it (snapshotIndex). Set when a held write and the next are joined (joinHeld).
   */
  snapshotAt?: number | undefined;
}

/** Where a change is made: its time and the ids of what it creates. */
export interface ChangeEnv {
  at: string;
  newId: NewId;
}

export const noChanges = (at: string): LogChanges => ({ at, events: [], processed: [], internals: [] });

/** Concatenates changes made at one time (the later status wins). */
export function mergeChanges(first: LogChanges, ...rest: LogChanges[]): LogChanges {
  const out: LogChanges = { ...first, events: [...first.events], processed: [...first.processed], internals: [...first.internals] };
  for (const c of rest) {
    out.events.push(...c.events);
    out.processed.push(...c.processed);
    out.internals.push(...c.internals);
    if (c.status !== undefined) out.status = c.status;
    if (c.threadStatus !== undefined) out.threadStatus = c.threadStatus;
    if (c.usage !== undefined) out.usage = c.usage;
    if (c.outcome !== undefined) out.outcome = c.outcome;
    if (c.calls !== undefined) out.calls = [...(out.calls ?? []), ...c.calls];
  }
  return out;
}

export const isEmpty = (c: LogChanges) =>
  c.events.length === 0 &&
  c.processed.length === 0 &&
  c.internals.length === 0 &&
  c.status === undefined &&
  c.threadStatus === undefined &&
  c.usage === undefined &&
  c.outcome === undefined &&
  (c.calls ?? []).length === 0;

const isStatus = (e: NewEvent) => e.type.startsWith('session.status_') || e.type.startsWith('session.thread_status_');

/**
 * Where a write's session.usage snapshot goes among its events (usage-snapshot.ts): after its spans, before any
 * status change (a client stops reading at idle).
 */
export function snapshotIndex(events: readonly NewEvent[]): number {
  const at = events.findIndex(isStatus);
  return at === -1 ? events.length : at;
}

/** Whether `c` records model calls or usage (a model call's write) or changes an outcome. */
const recordsCalls = (c: LogChanges) => c.usage !== undefined || c.outcome !== undefined || (c.calls ?? []).length > 0;

/**
 * Whether a step's write can be held for the next (SessionRunner): events, and the model calls and usage that came
 * with them, but nothing set on what is already in the log or on the session's status, which the next step's
 * decision reads from the state.
 */
export const holdable = (c: LogChanges) =>
  c.processed.length === 0 && c.internals.length === 0 && c.status === undefined && c.threadStatus === undefined && c.outcome === undefined;

/**
 * A held write (see holdable) and the next as one write: the held events first, each carrying the marker the next
 * write sets on it (an event not written yet cannot be updated afterwards; in one statement, not even in the same
 * write), then the next write's. Undefined when both record model calls or usage: the held one is written first.
 */
export function joinHeld(held: LogChanges, next: LogChanges): LogChanges | undefined {
  if (recordsCalls(held) && recordsCalls(next)) return undefined;
  const heldIds = new Set(held.events.map((e) => e.id));
  const markers = new Map<string, ToolUseInternal>();
  const internals: LogChanges['internals'] = [];
  for (const i of next.internals) {
    if (heldIds.has(i.id)) markers.set(i.id, i.internal);
    else internals.push(i);
  }
  const events = held.events.map((e) => {
    const internal = markers.get(e.id);
    return internal === undefined ? e : ({ ...e, internal } as NewEvent);
  });
  return {
    ...next,
    events: [...events, ...next.events],
    internals,
    // The snapshot of the held write's calls goes where its own write would have put it.
    ...(recordsCalls(held) ? { usage: held.usage, calls: held.calls, snapshotAt: held.snapshotAt ?? snapshotIndex(held.events) } : {}),
  };
}

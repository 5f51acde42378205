// What one engine step writes, as data: events to append plus in-place stamps and the session's
// runtime fields. The engine applies a LogChanges in one transaction (engine/log-writer.ts), the
// single place every engine write goes through.
import type { BetaUsage } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import type { OutcomeEvaluation } from '../../api/wire.js';
import type { ToolUseInternal } from '../event-internal.js';
import type { NewId } from '../ids.js';
import type { NewEvent } from '../records/event.js';
import type { SessionStatus } from '../records/session.js';

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
  }
  return out;
}

export const isEmpty = (c: LogChanges) =>
  c.events.length === 0 && c.processed.length === 0 && c.internals.length === 0 && c.status === undefined && c.threadStatus === undefined && c.usage === undefined && c.outcome === undefined;

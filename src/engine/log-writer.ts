// The one path every engine write takes: a step's LogChanges applied in one transaction — queued
// events stamped processed, engine markers set, events appended (published after commit), and the
// session's status and usage updated with them, so the stream and retrieve never disagree. The
// step's model calls go to the usage ledger in the same transaction, so the session's cost (what a
// budget is enforced on) and the ledger (what reports sum) always agree, crash or not. A write whose
// model call completed also appends the session.usage snapshot of the totals it leaves.
// Every write checks the session lease's fencing token in the same transaction, with the first
// statement that locks the session's row: a runner that lost its lease (stalled past it while
// another replica took over) writes nothing. On PostgreSQL, a write that touches the session's row
// is first tried as one statement computed from the row as this writer last wrote it, applied only
// if the row is unchanged (store/kysely/session-write.ts); the transaction is the way back.
import { isEmpty, type LogChanges } from '../domain/changes/log-changes.js';
import type { EventRecord } from '../domain/records/event.js';
import { addUsage } from '../domain/usage.js';
import { advanceRuntime } from '../domain/session-runtime.js';
import type { EventLog } from '../events/event-log.js';
import type { LeaseFence, NewEvent, RuntimePatch, SessionRecord, SessionWrite } from '../store/types.js';
import { LeaseLost } from '../store/errors.js';
import { withOutcome } from '../domain/outcome.js';
import type { NewId } from '../domain/ids.js';
import { usageSnapshot, withSnapshot } from '../domain/changes/usage-snapshot.js';

/** The session row's fields a write's new values are computed from. */
type RuntimeBasis = SessionWrite['expected'];

/** Whether a write updates the session's row (its status, usage, runtime or outcomes), not only its log. */
const touchesSession = (changes: LogChanges): boolean =>
  changes.status !== undefined || changes.usage !== undefined || changes.outcome !== undefined || (changes.calls?.length ?? 0) > 0;

/** The row's new values after `changes`, computed from `current`. */
function runtimeAfter(current: RuntimeBasis, changes: LogChanges): { patch: RuntimePatch; after: RuntimeBasis } {
  const calls = changes.calls ?? [];
  const patch: RuntimePatch = {
    status: changes.status,
    usage: changes.usage !== undefined ? addUsage(current.usage, changes.usage) : undefined,
    runtime: advanceRuntime(current.runtime, { status: changes.status, calls, at: changes.at }),
    outcomeEvaluations: changes.outcome !== undefined ? withOutcome(current.outcomeEvaluations, changes.outcome) : undefined,
  };
  const after: RuntimeBasis = {
    usage: patch.usage ?? current.usage,
    runtime: patch.runtime!,
    outcomeEvaluations: patch.outcomeEvaluations ?? current.outcomeEvaluations,
    budget: current.budget,
  };
  return { patch, after };
}

/** The row's new values after `changes`, computed from `current`, and the events with the usage snapshot they cause. */
function nextRuntime(current: RuntimeBasis, changes: LogChanges, newId: NewId): { patch: RuntimePatch; events: NewEvent[]; after: RuntimeBasis } {
  const { patch, after } = runtimeAfter(current, changes);
  const snapshot = usageSnapshot(changes, { usage: after.usage, runtime: after.runtime, budget: current.budget }, newId);
  return { patch, events: withSnapshot(changes.events, snapshot, changes.snapshotAt), after };
}

/**
 * `session` as `changes` will leave its status and runtime fields if written next (a write held to go with the next:
 * SessionRunner); its last event number as it is.
 */
export function sessionAhead(session: SessionRecord, changes: LogChanges): SessionRecord {
  if (!touchesSession(changes)) return session;
  const { after } = runtimeAfter(session, changes);
  return {
    ...session,
    ...(changes.status !== undefined ? { status: changes.status } : {}),
    usage: after.usage,
    runtime: after.runtime,
    outcomeEvaluations: after.outcomeEvaluations,
  };
}

export class LogWriter {
  /**
   * The session row's runtime fields as this writer last wrote them: on PostgreSQL the next write that touches the
   * row is computed from them and made in one statement, which applies only if the row still has them.
   */
  private basis: RuntimeBasis | undefined;

  constructor(
    private readonly log: EventLog,
    private readonly sessionId: string,
    private readonly newId: NewId,
    /** The lease the writes are made under (undefined: not running under a lease — refused). */
    private readonly fence: () => LeaseFence | undefined,
  ) {}

  async apply(changes: LogChanges): Promise<EventRecord[]> {
    if (isEmpty(changes)) return [];
    const id = this.sessionId;
    const fence = this.fence();
    if (!fence) throw new LeaseLost(id);
    const calls = changes.calls ?? [];
    const touches = touchesSession(changes);
    // The most frequent writes touch only the log (a tool result, a span start, a tool's started
    // marker): without the session's row to update, each is one statement on PostgreSQL.
    if (!touches && changes.processed.length === 0) {
      // Markers only (or nothing the store keeps, a thread's status being derived from the log): the marker
      // write still checks the lease, which an empty append would not.
      if (changes.events.length === 0) {
        if (!(await this.log.setInternalsFenced(id, changes.internals, fence))) throw new LeaseLost(id);
        return [];
      }
      if (changes.internals.length === 0) return this.log.appendFenced(id, changes.events, fence);
    }
    if (touches) {
      const written = await this.writeInOneStatement(changes, fence);
      if (written) return written;
    }
    let after: RuntimeBasis | undefined;
    const records = await this.log.transaction(async (tx, emit) => {
      // The fence is checked by the write's first statement on the session's row: the read of the
      // session it updates, or the append's reservation of sequence numbers, or a check of its own.
      let current: SessionRecord | undefined;
      if (touches) {
        current = await tx.sessions.findFenced(id, fence.owner, fence.token);
        if (!current) throw new LeaseLost(id);
      } else if (changes.events.length === 0 && !(await tx.sessions.holdsLease(id, fence.owner, fence.token))) {
        throw new LeaseLost(id);
      }
      await tx.events.markProcessed(id, changes.processed, changes.at);
      for (const { id: eventId, internal } of changes.internals) await tx.events.setInternal(id, eventId, internal);
      if (calls.length > 0) await tx.usage.insertMany(calls);
      // Rolled back with the rest if the append finds the lease gone.
      if (!current) return emit(id, changes.events, fence);
      const next = nextRuntime(current, changes, this.newId);
      // The runtime update also reserves the events' numbers: one statement on the row locked above.
      const lastSeq = await tx.sessions.setRuntime(id, next.patch, changes.at, next.events.length);
      if (lastSeq === undefined) throw new LeaseLost(id);
      after = next.after;
      return emit(id, next.events, undefined, lastSeq);
    });
    if (after) this.basis = after;
    return records;
  }

  /**
   * `session` as the write just applied left its row: its status and last event number, and the runtime fields it
   * wrote (after a write that touched the row, the writer's basis is the row's: read in its transaction, or checked
   * by its statement). Changes other processes made meanwhile are not in it.
   */
  sessionAfter(session: SessionRecord, changes: LogChanges, records: readonly EventRecord[]): SessionRecord {
    const basis = touchesSession(changes) ? this.basis : undefined;
    return {
      ...session,
      ...(changes.status !== undefined ? { status: changes.status } : {}),
      ...(records.length > 0 ? { lastSeq: records[records.length - 1]!.seq } : {}),
      ...(basis ? { usage: basis.usage, runtime: basis.runtime, outcomeEvaluations: basis.outcomeEvaluations, budget: basis.budget } : {}),
    };
  }

  /**
   * PostgreSQL: the write as one statement, computed from the row's fields as this writer last wrote them. Undefined:
   * not written (no basis yet, a write the statement does not cover, or the row changed meanwhile: budget raised,
   * lease lost); the transaction reads the row afresh.
   */
  private async writeInOneStatement(changes: LogChanges, fence: LeaseFence): Promise<EventRecord[] | undefined> {
    const basis = this.basis;
    if (!basis || !this.log.writesSessionInOneStatement) return undefined;
    // One statement cannot update a row twice: an event both stamped processed and given a marker goes the long way.
    if (changes.internals.some((i) => changes.processed.includes(i.id))) return undefined;
    const next = nextRuntime(basis, changes, this.newId);
    const write = { at: changes.at, events: next.events, processed: changes.processed, internals: changes.internals, calls: changes.calls ?? [], patch: next.patch, expected: basis };
    const records = await this.log.writeSession(this.sessionId, write, fence);
    this.basis = records ? next.after : undefined;
    return records;
  }
}

// The one path every engine write takes: a step's LogChanges applied in one transaction — queued
// events stamped processed, engine markers set, events appended (published after commit), and the
// session's status and usage updated with them, so the stream and retrieve never disagree. The
// step's model calls go to the usage ledger in the same transaction, so the session's cost (what a
// budget is enforced on) and the ledger (what reports sum) always agree, crash or not. A write whose
// model call completed also appends the session.usage snapshot of the totals it leaves.
// Every write checks the session lease's fencing token in the same transaction, with the first
// statement that locks the session's row: a runner that lost its lease (stalled past it while
// another replica took over) writes nothing.
import { isEmpty, type LogChanges } from '../domain/changes/log-changes.js';
import type { EventRecord } from '../domain/records/event.js';
import { addUsage } from '../domain/usage.js';
import { advanceRuntime } from '../domain/session-runtime.js';
import type { EventLog } from '../events/event-log.js';
import type { LeaseFence, RuntimePatch, SessionRecord } from '../store/types.js';
import { LeaseLost } from '../store/errors.js';
import { withOutcome } from '../domain/outcome.js';
import type { NewId } from '../domain/ids.js';
import { usageSnapshot, withSnapshot } from '../domain/changes/usage-snapshot.js';

export class LogWriter {
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
    const touchesSession = changes.status !== undefined || changes.usage !== undefined || changes.outcome !== undefined || calls.length > 0;
    // The most frequent writes touch only the log (a tool result, a span start, a tool's started
    // marker): without the session's row to update, each is one statement on PostgreSQL.
    if (!touchesSession && changes.processed.length === 0) {
      // Markers only (or nothing the store keeps, a thread's status being derived from the log): the marker
      // write still checks the lease, which an empty append would not.
      if (changes.events.length === 0) {
        if (!(await this.log.setInternalsFenced(id, changes.internals, fence))) throw new LeaseLost(id);
        return [];
      }
      if (changes.internals.length === 0) return this.log.appendFenced(id, changes.events, fence);
    }
    return this.log.transaction(async (tx, emit) => {
      // The fence is checked by the write's first statement on the session's row: the read of the
      // session it updates, or the append's reservation of sequence numbers, or a check of its own.
      let current: SessionRecord | undefined;
      if (touchesSession) {
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
      const patch: RuntimePatch = {
        status: changes.status,
        usage: changes.usage !== undefined ? addUsage(current.usage, changes.usage) : undefined,
        runtime: advanceRuntime(current.runtime, { status: changes.status, calls, at: changes.at }),
        outcomeEvaluations: changes.outcome !== undefined ? withOutcome(current.outcomeEvaluations, changes.outcome) : undefined,
      };
      const snapshot = usageSnapshot(changes, { usage: patch.usage ?? current.usage, runtime: patch.runtime!, budget: current.budget }, this.newId);
      const events = withSnapshot(changes.events, snapshot);
      // The runtime update also reserves the events' numbers: one statement on the row locked above.
      const lastSeq = await tx.sessions.setRuntime(id, patch, changes.at, events.length);
      if (lastSeq === undefined) throw new LeaseLost(id);
      return emit(id, events, undefined, lastSeq);
    });
  }
}

// The one path every engine write takes: a step's LogChanges applied in one transaction — queued
// events stamped processed, engine markers set, events appended (published after commit), and the
// session's status and usage updated with them, so the stream and retrieve never disagree. The
// step's model calls go to the usage ledger in the same transaction, so the session's cost (what a
// budget is enforced on) and the ledger (what reports sum) always agree, crash or not. A write whose
// model call completed also appends the session.usage snapshot of the totals it leaves.
// Every write first checks the session lease's fencing token in the same transaction: a runner that
// lost its lease (stalled past it while another replica took over) writes nothing.
import { isEmpty, type LogChanges } from '../domain/changes/log-changes.js';
import type { EventRecord } from '../domain/records/event.js';
import { addUsage } from '../domain/usage.js';
import { advanceRuntime } from '../domain/session-runtime.js';
import type { EventLog } from '../events/event-log.js';
import type { RuntimePatch } from '../store/types.js';
import { withOutcome } from '../domain/outcome.js';
import type { NewId } from '../domain/ids.js';
import { usageSnapshot, withSnapshot } from '../domain/changes/usage-snapshot.js';

/** The lease a runner holds: its owner and the token its acquisition got. */
export interface LeaseFence {
  owner: string;
  token: number;
}

/** A write refused because the session's lease is no longer the writer's. */
export class LeaseLost extends Error {
  constructor(sessionId: string) {
    super(`session ${sessionId}: the lease was taken over by another runner; this one writes nothing more`);
    this.name = 'LeaseLost';
  }
}

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
    return this.log.transaction(async (tx, emit) => {
      if (!fence || !(await tx.sessions.holdsLease(id, fence.owner, fence.token))) throw new LeaseLost(id);
      await tx.events.markProcessed(id, changes.processed, changes.at);
      for (const { id: eventId, internal } of changes.internals) await tx.events.setInternal(id, eventId, internal);
      const calls = changes.calls ?? [];
      if (calls.length > 0) await tx.usage.insertMany(calls);
      if (changes.status === undefined && changes.usage === undefined && changes.outcome === undefined && calls.length === 0) return emit(id, changes.events);
      const current = await tx.sessions.find(id);
      if (!current) return emit(id, changes.events);
      const patch: RuntimePatch = {
        status: changes.status,
        usage: changes.usage !== undefined ? addUsage(current.usage, changes.usage) : undefined,
        runtime: advanceRuntime(current.runtime, { status: changes.status, calls, at: changes.at }),
        outcomeEvaluations: changes.outcome !== undefined ? withOutcome(current.outcomeEvaluations, changes.outcome) : undefined,
      };
      const snapshot = usageSnapshot(changes, { usage: patch.usage ?? current.usage, runtime: patch.runtime!, budget: current.budget }, this.newId);
      const written = await emit(id, withSnapshot(changes.events, snapshot));
      await tx.sessions.setRuntime(id, patch, changes.at);
      return written;
    });
  }
}

// The one path every engine write takes: a step's LogChanges applied in one transaction — queued
// events stamped processed, engine markers set, events appended (published after commit), and the
// session's status and usage updated with them, so the stream and retrieve never disagree. The
// step's model calls go to the usage ledger in the same transaction, so the session's cost (what a
// budget is enforced on) and the ledger (what reports sum) always agree, crash or not. A write whose
// model call completed also appends the session.usage snapshot of the totals it leaves.
// A lease fencing check (several replicas) belongs here, inside the same transaction.
import { isEmpty, type LogChanges } from '../domain/changes/log-changes.js';
import type { EventRecord } from '../domain/records/event.js';
import { addUsage } from '../domain/usage.js';
import { advanceRuntime } from '../domain/session-runtime.js';
import type { EventLog } from '../events/event-log.js';
import type { RuntimePatch } from '../store/types.js';
import { withOutcome } from '../domain/outcome.js';
import type { NewId } from '../domain/ids.js';
import { usageSnapshot, withSnapshot } from '../domain/changes/usage-snapshot.js';

export class LogWriter {
  constructor(
    private readonly log: EventLog,
    private readonly sessionId: string,
    private readonly newId: NewId,
  ) {}

  async apply(changes: LogChanges): Promise<EventRecord[]> {
    if (isEmpty(changes)) return [];
    const id = this.sessionId;
    return this.log.transaction(async (tx, emit) => {
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

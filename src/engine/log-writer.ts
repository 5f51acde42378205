// The one path every engine write takes: a step's LogChanges applied in one transaction — queued
// events stamped processed, engine markers set, events appended (published after commit), and the
// session's status and usage updated with them, so the stream and retrieve never disagree.
// A lease fencing check (several replicas) belongs here, inside the same transaction.
import { isEmpty, type LogChanges } from '../domain/changes/log-changes.js';
import type { EventRecord } from '../domain/records/event.js';
import { addUsage } from '../domain/usage.js';
import type { EventLog } from '../events/event-log.js';
import type { RuntimePatch } from '../store/types.js';
import { withOutcome } from '../domain/outcome.js';

export class LogWriter {
  constructor(
    private readonly log: EventLog,
    private readonly sessionId: string,
  ) {}

  async apply(changes: LogChanges): Promise<EventRecord[]> {
    if (isEmpty(changes)) return [];
    const id = this.sessionId;
    return this.log.transaction(async (tx, emit) => {
      await tx.events.markProcessed(id, changes.processed, changes.at);
      for (const { id: eventId, internal } of changes.internals) await tx.events.setInternal(id, eventId, internal);
      const written = await emit(id, changes.events);
      const patch: RuntimePatch = {};
      if (changes.status !== undefined) patch.status = changes.status;
      if (changes.usage !== undefined || changes.outcome !== undefined) {
        const current = await tx.sessions.find(id);
        if (current && changes.usage !== undefined) patch.usage = addUsage(current.usage, changes.usage);
        if (current && changes.outcome !== undefined) patch.outcomeEvaluations = withOutcome(current.outcomeEvaluations, changes.outcome);
      }
      if (Object.keys(patch).length > 0) await tx.sessions.setRuntime(id, patch, changes.at);
      return written;
    });
  }
}

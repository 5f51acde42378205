// The one path every engine write takes: a step's LogChanges applied in one transaction — queued
// events stamped processed, engine markers set, events appended (published after commit), and the
// session's status and usage updated with them, so the stream and retrieve never disagree.
// A lease fencing check (several replicas) belongs here, inside the same transaction.
import { isEmpty, type LogChanges } from '../domain/changes/log-changes.js';
import type { EventRecord } from '../domain/records/event.js';
import { addUsage } from '../domain/usage.js';
import type { EventLog } from '../events/event-log.js';
import type { SessionRepository } from '../store/types.js';

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
      const patch: Parameters<SessionRepository['setRuntime']>[1] = {};
      if (changes.status !== undefined) patch.status = changes.status;
      if (changes.usage !== undefined) {
        const current = await tx.sessions.find(id);
        if (current) patch.usage = addUsage(current.usage, changes.usage);
      }
      if (patch.status !== undefined || patch.usage !== undefined) await tx.sessions.setRuntime(id, patch, changes.at);
      return written;
    });
  }
}

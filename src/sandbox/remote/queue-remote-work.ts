// RemoteWork over the environment work queue: the engine's offers become work items, and offers
// no worker took are withdrawn once the session's turn is over.
import type { Logger } from '../../logger.js';
import type { WorkQueue } from '../../work/work-queue.js';
import type { EventBus } from '../../events/event-bus.js';
import type { EventRecord, SessionRecord } from '../../store/types.js';
import type { RemoteWork } from '../types.js';

/** The log event that ends a turn: idle for any reason but requires_action, or terminated. */
function turnEnd(records: readonly EventRecord[]): EventRecord | undefined {
  return records.findLast(
    (r) =>
      r.type === 'session.status_terminated' ||
      (r.type === 'session.status_idle' && r.body.stop_reason.type !== 'requires_action'),
  );
}

export class QueueRemoteWork implements RemoteWork {
  private readonly unsubscribe: () => void;

  constructor(
    private readonly queue: WorkQueue,
    bus: EventBus,
    logger: Logger,
    /** The session is known to have no work items (its environment runs tools on the server): nothing to withdraw. */
    hasNoWork: (sessionId: string) => boolean = () => false,
  ) {
    this.unsubscribe = bus.subscribeAll((sessionId, records) => {
      const end = turnEnd(records);
      if (!end || hasNoWork(sessionId)) return;
      // Items a worker already holds are left to it: its SessionToolRunner idles out and stops them.
      this.queue.withdraw(sessionId, end.createdAt).catch((err: unknown) => {
        logger.error({ err, session_id: sessionId }, 'withdrawing unclaimed work failed');
      });
      // The replica that ended the turn withdraws (the bus gives only this process's commits).
    });
  }

  async offer(session: SessionRecord): Promise<void> {
    await this.queue.offer(session);
  }

  close(): void {
    this.unsubscribe();
  }
}

// Follows one session's log from a cursor: every committed event exactly once, in order.
import type { EventRecord, Store } from '../store/types.js';
import type { EventBus } from './event-bus.js';

const CATCH_UP_BATCH = 500;

export interface FollowOptions {
  store: Store;
  bus: EventBus;
  sessionId: string;
  /** Deliver events with seq greater than this. */
  afterSeq: number;
  deliver: (records: readonly EventRecord[]) => void | Promise<void>;
  /** The session was deleted. */
  onEnd: () => void;
  onError: (err: unknown) => void;
}

/**
 * Subscribes first, then catches up from the store, so nothing committed between the two
 * is missed. Published records that continue the cursor are delivered straight from memory
 * (the hot path); any gap is filled from the store. Returns the unsubscribe function.
 */
export function followLog(opts: FollowOptions): () => void {
  let cursor = opts.afterSeq;
  let closed = false;
  let chain: Promise<void> = Promise.resolve();

  const run = (step: () => Promise<void>) => {
    chain = chain.then(() => (closed ? undefined : step())).catch((err) => {
      closed = true;
      opts.onError(err);
    });
  };

  const deliver = async (records: readonly EventRecord[]) => {
    const fresh = records.filter((r) => r.seq > cursor);
    if (fresh.length === 0) return;
    cursor = fresh[fresh.length - 1]!.seq;
    await opts.deliver(fresh);
  };

  const catchUp = async () => {
    for (;;) {
      const batch = await opts.store.events.after(opts.sessionId, cursor, CATCH_UP_BATCH);
      if (batch.length === 0 || closed) return;
      await deliver(batch);
      if (batch.length < CATCH_UP_BATCH) return;
    }
  };

  const unsubscribe = opts.bus.subscribe(opts.sessionId, {
    onEvents: (records) =>
      run(async () => {
        const first = records[0];
        if (first && first.seq <= cursor + 1) await deliver(records);
        else await catchUp();
      }),
    onEnd: () => run(async () => opts.onEnd()),
  });
  run(catchUp);

  return () => {
    closed = true;
    unsubscribe();
  };
}

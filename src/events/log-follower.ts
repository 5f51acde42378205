// Follows one session's log from a cursor: every committed event exactly once, in order.
import type { EventRecord, Store } from '../store/types.js';
import type { EventBus } from './event-bus.js';

const CATCH_UP_BATCH = 500;
/**
 * Published records a follower keeps while its consumer is busy. Past this it drops them and
 * reads from the store once the consumer is ready: a slow consumer costs a bounded amount of
 * memory, never one entry per event published while it was behind.
 */
export const MAX_PENDING_RECORDS = 1000;

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
 * (the hot path, synchronously when the consumer is idle); any gap — or a backlog past
 * MAX_PENDING_RECORDS — is filled from the store. One delivery runs at a time. Returns the
 * unsubscribe function.
 */
export function followLog(opts: FollowOptions): () => void {
  let cursor = opts.afterSeq;
  let closed = false;
  let running = false;
  let pending: EventRecord[] = [];
  let catchUpNeeded = true; // the first step: whatever the log holds after the cursor
  let ended = false;

  /** A store read's records past the cursor (the store's order is the log's); the cursor moves past them. */
  const takeFresh = (records: readonly EventRecord[]): readonly EventRecord[] => {
    const fresh = records.filter((r) => r.seq > cursor);
    if (fresh.length > 0) cursor = fresh[fresh.length - 1]!.seq;
    return fresh;
  };

  /**
   * Published records that continue the cursor, each once and in order; the cursor moves past them. On a replica,
   * what is published mixes its own commits (at once) with other replicas' (after a read of the store), so records
   * can come out of order, repeated (an announced range read again), or with a gap: the records after a gap are left
   * (`gap`), to be read from the store, where every number below a committed one is committed too.
   */
  const takeContiguous = (records: readonly EventRecord[]): { taken: readonly EventRecord[]; gap: boolean } => {
    if (continuesCursor(records)) {
      moveCursorPast(records);
      return { taken: records, gap: false };
    }
    const taken: EventRecord[] = [];
    const ordered = records.every((r, i) => i === 0 || records[i - 1]!.seq < r.seq) ? records : [...records].sort((a, b) => a.seq - b.seq);
    for (const r of ordered) {
      if (r.seq <= cursor) continue;
      if (r.seq !== cursor + 1) return { taken, gap: true };
      taken.push(r);
      cursor = r.seq;
    }
    return { taken, gap: false };
  };

  /**
   * The usual case, once per stream of the session for every commit: the records continue the cursor one by one.
   * Checked with no allocation (no closure, no result object): it runs for every stream of a session per event.
   */
  const continuesCursor = (records: readonly EventRecord[]): boolean => {
    for (let i = 0; i < records.length; i++) if (records[i]!.seq !== cursor + 1 + i) return false;
    return true;
  };
  const moveCursorPast = (records: readonly EventRecord[]) => {
    if (records.length > 0) cursor = records[records.length - 1]!.seq;
  };

  const deliver = async (records: readonly EventRecord[]) => {
    const fresh = takeFresh(records);
    if (fresh.length > 0) await opts.deliver(fresh);
  };

  const fail = (err: unknown) => {
    closed = true;
    opts.onError(err);
  };

  const catchUp = async () => {
    for (;;) {
      const batch = await opts.store.events.after(opts.sessionId, cursor, CATCH_UP_BATCH);
      if (batch.length === 0 || closed) return;
      await deliver(batch);
      if (batch.length < CATCH_UP_BATCH) return;
    }
  };

  const step = async (): Promise<boolean> => {
    if (catchUpNeeded) {
      catchUpNeeded = false;
      pending = []; // the store has them all
      await catchUp();
      return true;
    }
    if (pending.length > 0) {
      const { taken, gap } = takeContiguous(pending);
      pending = [];
      if (taken.length > 0) await opts.deliver(taken);
      if (gap) await catchUp();
      return true;
    }
    if (ended) {
      closed = true;
      opts.onEnd();
    }
    return false;
  };

  /**
   * The hot path: published records that continue the cursor while nothing else is being delivered go to the
   * consumer at once, without a promise of ours (a session's event reaches every stream following it). A
   * consumer that has to wait returns a promise, and the follower is busy until it settles.
   */
  const deliverNow = (records: readonly EventRecord[]) => {
    let taken = records;
    let gap = false;
    if (continuesCursor(records)) moveCursorPast(records);
    else ({ taken, gap } = takeContiguous(records));
    // What lies past a gap is read from the store once this delivery is through.
    if (gap) catchUpNeeded = true;
    let held: void | Promise<void> = undefined;
    try {
      if (taken.length > 0) held = opts.deliver(taken);
    } catch (err) {
      return fail(err);
    }
    if (!held) {
      if (gap) pump();
      return;
    }
    running = true;
    held.then(
      () => {
        running = false;
        resumeIfDue();
      },
      (err: unknown) => {
        running = false;
        fail(err);
      },
    );
  };

  /** Nothing being delivered, waiting or to catch up: the next published records can go at once. */
  const idle = () => !running && !catchUpNeeded && pending.length === 0 && !ended;

  // Records published while a delivery was being awaited found `running` still set and did not start a pump of
  // their own: without this look they would wait for the next event.
  const resumeIfDue = () => {
    if (!closed && (pending.length > 0 || catchUpNeeded || ended)) pump();
  };

  const pump = () => {
    if (running || closed) return;
    running = true;
    void (async () => {
      try {
        while (!closed && (await step()));
      } catch (err) {
        fail(err);
      } finally {
        running = false;
        resumeIfDue();
      }
    })();
  };

  const unsubscribe = opts.bus.subscribe(opts.sessionId, {
    onEvents: (records) => {
      if (closed) return;
      if (idle() && records.length > 0 && records[0]!.seq <= cursor + 1) {
        deliverNow(records);
        return;
      }
      if (!catchUpNeeded) {
        pending.push(...records);
        if (pending.length > MAX_PENDING_RECORDS) {
          pending = [];
          catchUpNeeded = true;
        }
      }
      pump();
    },
    onEnd: () => {
      ended = true;
      pump();
    },
    onMissed: () => {
      if (closed) return;
      catchUpNeeded = true;
      pump();
    },
  });
  pump();

  return () => {
    closed = true;
    pending = [];
    unsubscribe();
  };
}

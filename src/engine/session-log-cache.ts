// The runner's copy of its session's log: each step reads only what was appended since the last
// one (not the whole log again), and the runner patches in its own in-place writes
// (processed_at stamps, tool "started" markers). A runner that fails is discarded with its cache.
import type { EventRecord, Store } from '../store/types.js';

export class SessionLogCache {
  private readonly records: EventRecord[] = [];
  private readonly byId = new Map<string, EventRecord>();
  private lastSeq = 0;

  constructor(private readonly sessionId: string) {}

  /** The whole log, after reading what was appended since the previous call. */
  async refresh(store: Store): Promise<readonly EventRecord[]> {
    const fresh = await store.events.after(this.sessionId, this.lastSeq, Number.MAX_SAFE_INTEGER);
    for (const record of fresh) {
      this.records.push(record);
      this.byId.set(record.id, record);
      this.lastSeq = record.seq;
    }
    return this.records;
  }

  /** Mirrors `events.markProcessed` (only queued events are stamped). */
  markProcessed(ids: readonly string[], at: string): void {
    for (const id of ids) {
      const record = this.byId.get(id);
      if (record && record.processedAt === null) record.processedAt = at;
    }
  }

  /** Mirrors `events.setInternal`. */
  setInternal(id: string, internal: unknown): void {
    const record = this.byId.get(id);
    if (record) record.internal = internal;
  }
}

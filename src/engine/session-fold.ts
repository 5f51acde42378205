// The runner's folded state of its session, kept while it holds the session's lease: each step
// folds in only what was appended since the last one (the cursor), so a long session costs
// O(new events) per step. A runner that fails is discarded with its state.
//
// What this process committed to the session — the runner's own writes, and input its API took,
// both heard on the bus — is folded from those records instead of being read back: at the next
// refresh, as far as they follow the cursor without a gap (another process appended in between),
// and then the log is read only after a gap or if the session's row says it holds more (its last_seq
// as the runner knows it: read when something else changed the session, else as its own writes left
// it). Folding them at the refresh, not at the write, keeps the state a step sees the
// same as before: a step's own events change the state from the next step on.
import { foldEvent, patchOwnWrite } from '../domain/fold.js';
import type { LogChanges } from '../domain/changes/log-changes.js';
import type { EventRecord } from '../domain/records/event.js';
import { newSessionState, type SessionState } from '../domain/session-state.js';
import type { Store } from '../store/types.js';

const BATCH = 1000;

export class SessionFold {
  readonly state: SessionState = newSessionState();
  /** Records this process committed to the session since the last refresh (the runner's and its API's). */
  private committed: EventRecord[] = [];

  constructor(private readonly sessionId: string) {}

  /**
   * Folds in every event appended since the cursor. `lastSeq` is the session's last_seq as the runner
   * knows it: when the folded own writes reach it without a gap, nothing else is there to read.
   */
  async refresh(store: Store, lastSeq?: number): Promise<SessionState> {
    const known = this.committed.sort((a, b) => a.seq - b.seq);
    this.committed = [];
    let gap = false;
    for (const record of known) {
      // Already folded: read before it was heard.
      if (record.seq <= this.state.cursor) continue;
      // A gap: another process appended in between; the read below brings theirs and the rest of ours
      // (whatever `lastSeq` says: the caller's may predate what was heard).
      if (record.seq !== this.state.cursor + 1) {
        gap = true;
        break;
      }
      foldEvent(this.state, record);
    }
    if (!gap && lastSeq !== undefined && lastSeq <= this.state.cursor) return this.state;
    for (;;) {
      const fresh = await store.events.after(this.sessionId, this.state.cursor, BATCH);
      for (const record of fresh) foldEvent(this.state, record);
      if (fresh.length < BATCH) return this.state;
    }
  }

  /** Mirrors a write of this runner on the state (see patchOwnWrite); its records come as every commit's do (heard). */
  patch(changes: LogChanges, thread: string): void {
    patchOwnWrite(this.state, changes, thread);
  }

  /** Keeps records this process committed to the session (published after their commit) for the next refresh. */
  heard(records: readonly EventRecord[]): void {
    this.committed.push(...records);
  }
}

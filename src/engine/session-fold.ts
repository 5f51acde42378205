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
//
// A step's last write may be held to go with the next one (SessionRunner: a tool's result joins the
// next request's start, one commit instead of two): its events are folded at once under the numbers
// they will get if nothing else is appended first, and checked when written; if something was, the
// state is folded again from the log.
import { foldEvent, patchOwnWrite } from '../domain/fold.js';
import type { LogChanges } from '../domain/changes/log-changes.js';
import type { EventRecord, NewEvent } from '../domain/records/event.js';
import { newSessionState, type SessionState } from '../domain/session-state.js';
import type { Store } from '../store/types.js';

const BATCH = 1000;

export class SessionFold {
  readonly state: SessionState = newSessionState();
  /** Records this process committed to the session since the last refresh (the runner's and its API's). */
  private committed: EventRecord[] = [];
  /** Events folded ahead of their write (foldAhead), by id: the numbers they were folded under. */
  private ahead = new Map<string, number>();

  constructor(private readonly sessionId: string) {}

  /**
   * Folds in every event appended since the cursor. `lastSeq` is the session's last_seq as the runner
   * knows it: when the folded own writes reach it without a gap, nothing else is there to read.
   */
  async refresh(store: Store, lastSeq?: number): Promise<SessionState> {
    const gap = !this.foldHeard();
    if (!gap && lastSeq !== undefined && lastSeq <= this.state.cursor) return this.state;
    return this.read(store);
  }

  /** Folds in the heard records that follow the cursor; false at a gap (another process appended in between). */
  private foldHeard(): boolean {
    const known = this.committed.sort((a, b) => a.seq - b.seq);
    this.committed = [];
    for (const record of known) {
      // Already folded: read before it was heard (or folded ahead of its write).
      if (record.seq <= this.state.cursor) continue;
      // A gap: the read that follows brings the other process's records and the rest of ours.
      if (record.seq !== this.state.cursor + 1) return false;
      foldEvent(this.state, record);
    }
    return true;
  }

  private async read(store: Store): Promise<SessionState> {
    for (;;) {
      const fresh = await store.events.after(this.sessionId, this.state.cursor, BATCH);
      for (const record of fresh) foldEvent(this.state, record);
      if (fresh.length < BATCH) return this.state;
    }
  }

  /**
   * Folds a held write's events now, numbered after the cursor as the write will number them if nothing else is
   * appended first. False (nothing folded) when what was heard has a gap: the write is not held then.
   */
  foldAhead(events: readonly NewEvent[]): boolean {
    if (!this.foldHeard()) return false;
    for (const event of events) {
      const record = { ...event, sessionId: this.sessionId, seq: this.state.cursor + 1 } as EventRecord;
      foldEvent(this.state, record);
      this.ahead.set(record.id, record.seq);
    }
    return true;
  }

  /**
   * After the held write: its records got the numbers they were folded under, or (something was appended between
   * the fold and the write) the state is folded again from the log, as a new runner's would be.
   */
  async settleAhead(store: Store, written: readonly EventRecord[]): Promise<void> {
    const ahead = this.ahead;
    this.ahead = new Map();
    if (written.filter((r) => ahead.get(r.id) === r.seq).length === ahead.size) return;
    Object.assign(this.state, newSessionState());
    this.committed = [];
    await this.read(store);
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

// The runner's folded state of its session, kept while it holds the session's lease: each step
// folds in only what was appended since the last one (the cursor), so a long session costs
// O(new events) per step. A runner that fails is discarded with its state.
import { foldEvent, patchOwnWrite } from '../domain/fold.js';
import type { LogChanges } from '../domain/changes/log-changes.js';
import { newSessionState, type SessionState } from '../domain/session-state.js';
import type { Store } from '../store/types.js';

const BATCH = 1000;

export class SessionFold {
  readonly state: SessionState = newSessionState();

  constructor(private readonly sessionId: string) {}

  /** Folds in every event appended since the cursor. */
  async refresh(store: Store): Promise<SessionState> {
    for (;;) {
      const fresh = await store.events.after(this.sessionId, this.state.cursor, BATCH);
      for (const record of fresh) foldEvent(this.state, record);
      if (fresh.length < BATCH) return this.state;
    }
  }

  /** Mirrors a write of this runner (see patchOwnWrite). */
  patch(changes: LogChanges, thread: string): void {
    patchOwnWrite(this.state, changes, thread);
  }
}

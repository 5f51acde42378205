// Records replay fixtures from real runs (test/domain/replay/): with AGENTD_RECORD_REPLAY=<dir>,
// every SQLite test server notes each step its engine decides and, when it closes, writes one
// fixture per session (its log and those decisions). Used to refresh the recorded fixtures.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { StepObserver } from '../../src/engine/session-runner.js';
import type { Store } from '../../src/store/types.js';
import { decisionOf, type Decision, type ReplayFixture } from '../domain/replay/fixture.js';

export interface ReplayRecorder {
  observe: StepObserver;
  /** Writes the fixtures of every session seen (call before the store closes). */
  flush(store: Store): Promise<void>;
}

export function replayRecorder(dir: string): ReplayRecorder {
  const sessions = new Map<string, { source: string; decisions: Decision[] }>();
  return {
    observe: ({ sessionId, step, state, context, busy }) => {
      let entry = sessions.get(sessionId);
      if (!entry) sessions.set(sessionId, (entry = { source: expect.getState().currentTestName ?? 'unknown', decisions: [] }));
      entry.decisions.push(decisionOf(state, context, step, busy));
    },
    flush: async (store) => {
      fs.mkdirSync(dir, { recursive: true });
      for (const [sessionId, { source, decisions }] of sessions) {
        const log = await store.events.after(sessionId, 0, Number.MAX_SAFE_INTEGER);
        const fixture: ReplayFixture = { source, log, decisions };
        const name = source.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase().slice(0, 90);
        fs.writeFileSync(path.join(dir, `${name}-${sessionId.slice(-6)}.json`), JSON.stringify(fixture, null, 1) + '\n');
      }
      sessions.clear();
    },
  };
}

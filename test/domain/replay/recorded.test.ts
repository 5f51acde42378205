// Replays logs recorded from real runs of the engine scenarios (agent loop, tools, confirmations,
// custom tools, failures and retries, interrupts, compaction, self-hosted workers, multi-agent threads): at every point
// where the engine decided a step, the same view of the log must decide the same step. Refresh the
// fixtures with `AGENTD_RECORD_REPLAY=<dir> npx vitest run test/engine test/sandbox/self-hosted-worker.test.ts`
// (see test/helpers/replay-recorder.ts) and copy the ones worth keeping to recorded/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decideThreads } from '../../../src/domain/decide.js';
import { foldLog } from '../../../src/domain/fold.js';
import { PRIMARY_THREAD } from '../../../src/domain/session-state.js';
import { logAsSeen, summarize, type ReplayFixture } from './fixture.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'recorded');
const fixtures = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => [f.replace(/\.json$/, ''), JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as ReplayFixture] as const);

describe('replay: recorded runs', () => {
  it('has fixtures to replay', () => {
    expect(fixtures.length).toBeGreaterThan(10);
  });

  it('has fixtures of multi-agent sessions (threads deciding side by side)', () => {
    const multi = fixtures.filter(([, f]) => f.decisions.some((d) => d.step['thread'] !== PRIMARY_THREAD && d.step.type !== 'done'));
    expect(multi.length).toBeGreaterThanOrEqual(3);
    expect(multi.some(([, f]) => f.decisions.some((d) => d.busy?.length))).toBe(true);
  });

  // As the runner decides: every thread that is not busy (no step of its own under way) gets its next
  // step. The recorded step is the one decided for its thread.
  it.each(fixtures)('%s', (_name, fixture) => {
    expect(fixture.decisions.length).toBeGreaterThan(0);
    for (const [i, d] of fixture.decisions.entries()) {
      const steps = decideThreads(foldLog(logAsSeen(fixture.log, d)), d.context, new Set(d.busy)).map(summarize);
      const step = steps.find((s) => s.thread === d.step.thread) ?? steps[0] ?? { type: 'done' };
      expect({ decision: i, cursor: d.cursor, step }).toEqual({ decision: i, cursor: d.cursor, step: d.step });
    }
  });
});

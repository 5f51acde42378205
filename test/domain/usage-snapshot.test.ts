// The session.usage snapshot: which writes get one, what it says, where it goes in the write; and
// that the fold ignores it (a log with snapshots decides exactly as the same log without). Pure.
import { describe, expect, it } from 'vitest';
import { noChanges, type LogChanges } from '../../src/domain/changes/log-changes.js';
import { engineEvent } from '../../src/domain/changes/engine-event.js';
import { usageSnapshot, withSnapshot } from '../../src/domain/changes/usage-snapshot.js';
import { decide } from '../../src/domain/decide.js';
import { foldLog } from '../../src/domain/fold.js';
import type { UsageRecord } from '../../src/domain/records/usage.js';
import { context, LogBuilder } from './replay/log-builder.js';
import { summarize } from './replay/fixture.js';

const AT = '2026-01-01T00:00:10.000Z';
const call = (outcome: string) => ({ outcome, listCostNanoUsd: outcome === 'ok' ? 5 : 0 }) as UsageRecord;
const changes = (...outcomes: string[]): LogChanges => ({ ...noChanges(AT), calls: outcomes.map(call) });
const totals = {
  usage: { input_tokens: 10, output_tokens: 2, cache_read_input_tokens: 3, cache_creation: { ephemeral_5m_input_tokens: 4, ephemeral_1h_input_tokens: 0 } },
  // 4 s closed, plus the open interval since 00:00:08 → 6 s at the write's time.
  runtime: { listCostNanoUsd: 12_000_001, unpricedCalls: 0, activeMs: 4000, runningSince: '2026-01-01T00:00:08.000Z' },
  budget: { type: 'limit' as const, max_list_cost: { amount: '500', currency: 'USD' as const } },
};
const newId = () => 'sevt_usage';

describe('session.usage snapshots', () => {
  it('only a write with a completed call gets one', () => {
    expect(usageSnapshot(noChanges(AT), totals, newId)).toBeUndefined();
    expect(usageSnapshot(changes('model_overloaded_error'), totals, newId)).toBeUndefined();
    expect(usageSnapshot(changes('interrupted'), totals, newId)).toBeUndefined();
    expect(usageSnapshot(changes('interrupted', 'ok'), totals, newId)).toBeDefined();
  });

  it('carries the totals as of the write, in the SDK shape', () => {
    const e = usageSnapshot(changes('ok'), totals, newId)!;
    expect(e).toMatchObject({ id: 'sevt_usage', threadId: null, type: 'session.usage', processedAt: AT, createdAt: AT });
    expect(e.body).toEqual({
      id: 'sevt_usage',
      type: 'session.usage',
      usage: {
        input_tokens: 10,
        output_tokens: 2,
        cache_read_input_tokens: 3,
        cache_creation: { ephemeral_5m_input_tokens: 4, ephemeral_1h_input_tokens: 0 },
        active_seconds: 6,
        // 1.2000001 cents: a started cent counts.
        list_cost: { amount: '2', currency: 'USD' },
      },
      budget: totals.budget,
    });
  });

  it('goes after the spans and before the first status change of the write', () => {
    const env = { at: AT, newId: (p: string) => `${p}_${Math.random()}` };
    const end = engineEvent('span.model_request_end', { is_error: false, model_request_start_id: 's', model_usage: { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } }, env);
    const idle = engineEvent('session.status_idle', { stop_reason: { type: 'end_turn' }, stop_details: null }, env);
    const snap = usageSnapshot(changes('ok'), totals, newId)!;
    expect(withSnapshot([end], snap).map((e) => e.type)).toEqual(['span.model_request_end', 'session.usage']);
    expect(withSnapshot([end, idle], snap).map((e) => e.type)).toEqual(['span.model_request_end', 'session.usage', 'session.status_idle']);
    expect(withSnapshot([end, idle], undefined)).toEqual([end, idle]);
  });

  it('replay: a log with snapshots decides exactly as the same log without them', () => {
    const steps = (withUsage: boolean) => {
      const b = new LogBuilder();
      const out: unknown[] = [];
      const at = () => out.push(summarize(decide(foldLog(b.log), context())));
      const m = b.user('run it');
      b.running();
      const start = b.start(m);
      const tool = b.toolUse('toolu_1');
      b.end(start, { toolUses: ['toolu_1'] });
      if (withUsage) b.usage();
      at();
      b.toolResult(tool);
      at();
      const second = b.start();
      b.end(second, { text: 'done' });
      if (withUsage) b.usage();
      at();
      b.idle();
      at();
      return out;
    };
    expect(steps(true)).toEqual(steps(false));
    expect(steps(true)[0]).toMatchObject({ type: 'run_tool' });
  });
});

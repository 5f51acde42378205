import { describe, expect, it } from 'vitest';
import { budgetReached, centsString, checkBudgetUpdate } from '../../src/domain/budget.js';
import { activeMsAt, advanceRuntime, emptyRuntime } from '../../src/domain/session-runtime.js';
import type { UsageRecord } from '../../src/domain/records/usage.js';
import { decide } from '../../src/domain/decide.js';
import { newSessionState } from '../../src/domain/session-state.js';
import { context } from './replay/log-builder.js';

const call = (listCostNanoUsd: number | null) => ({ listCostNanoUsd }) as UsageRecord;
const limit = (amount: string) => ({ type: 'limit' as const, max_list_cost: { amount, currency: 'USD' as const } });

describe('session runtime', () => {
  it('adds priced calls, counts unpriced ones, and accumulates only running intervals', () => {
    let r = advanceRuntime(emptyRuntime(), { status: 'running', at: '2026-01-01T00:00:00.000Z' });
    expect(r.runningSince).toBe('2026-01-01T00:00:00.000Z');
    expect(activeMsAt(r, Date.parse('2026-01-01T00:00:02.500Z'))).toBe(2500);
    r = advanceRuntime(r, { calls: [call(1_000), call(null), call(500)], at: '2026-01-01T00:00:03.000Z' });
    expect(r).toMatchObject({ listCostNanoUsd: 1_500, unpricedCalls: 1, runningSince: '2026-01-01T00:00:00.000Z' });
    r = advanceRuntime(r, { status: 'idle', at: '2026-01-01T00:00:04.000Z' });
    expect(r).toMatchObject({ activeMs: 4000, runningSince: null });
    // Idle time does not count; a second running interval adds to the first.
    expect(activeMsAt(r, Date.parse('2026-01-01T01:00:00.000Z'))).toBe(4000);
    r = advanceRuntime(r, { status: 'running', at: '2026-01-01T00:01:00.000Z' });
    r = advanceRuntime(r, { status: 'running', at: '2026-01-01T00:01:05.000Z' });
    r = advanceRuntime(r, { status: 'rescheduling', at: '2026-01-01T00:01:10.000Z' });
    expect(r.activeMs).toBe(14_000);
  });

  it('budgets: reached at the limit or with unmeasurable cost; cents round up', () => {
    expect(budgetReached(null, { ...emptyRuntime(), listCostNanoUsd: 1e12 })).toBe(false);
    expect(budgetReached(limit('100'), { ...emptyRuntime(), listCostNanoUsd: 999_999_999 })).toBe(false);
    expect(budgetReached(limit('100'), { ...emptyRuntime(), listCostNanoUsd: 1_000_000_000 })).toBe(true);
    expect(budgetReached(limit('100'), { ...emptyRuntime(), unpricedCalls: 1 })).toBe(true);
    expect(centsString(0)).toBe('0');
    expect(centsString(1)).toBe('1');
    expect(centsString(10_000_000)).toBe('1');
    expect(centsString(10_000_001)).toBe('2');
  });

  it('budget updates follow the SDK rules', () => {
    const spent = { ...emptyRuntime(), listCostNanoUsd: 1_000_000_000 };
    expect(() => checkBudgetUpdate(null, limit('500'), spent, [])).toThrow(/budget_create_only/);
    expect(() => checkBudgetUpdate(limit('200'), limit('100'), spent, [])).toThrow(/budget_not_raised/);
    expect(() => checkBudgetUpdate(limit('200'), limit('300'), spent, ['x'])).toThrow(/model_not_budgetable/);
    expect(() => checkBudgetUpdate(limit('200'), limit('101'), spent, [])).not.toThrow();
    expect(() => checkBudgetUpdate(limit('200'), null, spent, [])).not.toThrow();
  });

  it('decide stops before a model call once the budget is reached, and announces it once', () => {
    const state = newSessionState();
    const t = state.threads.get('primary')!;
    t.needsModel = true;
    expect(decide(state, context({ budgetReached: false }))).toMatchObject({ type: 'call_model' });
    expect(decide(state, context({ budgetReached: true }))).toEqual({ type: 'budget_reached', thread: 'primary' });
    t.budgetStopped = true;
    expect(decide(state, context({ budgetReached: true }))).toEqual({ type: 'done' });
  });
});

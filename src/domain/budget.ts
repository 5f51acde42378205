// Session budgets (`budget.max_list_cost`): when the next model call may not start, and the SDK's
// rules for setting one (create-only, `budget_not_raised`, `model_not_budgetable`).
import { invalidRequest } from '../errors.js';
import type { BudgetLimit, SessionRuntime } from './records/session.js';

export type { BudgetLimit };

export const NANO_USD_PER_CENT = 1e7;


/** Integer cents as the wire's minor-unit string; a started cent counts (list cost never under-reports). */
export const centsString = (nanoUsd: number): string => String(Math.ceil(nanoUsd / NANO_USD_PER_CENT));

export const budgetNanoUsd = (b: BudgetLimit): number => Number(b.max_list_cost.amount) * NANO_USD_PER_CENT;

/** Whether the next model call may not start: the cost reached the budget, or some of it cannot be measured. */
export function budgetReached(budget: BudgetLimit | null, runtime: SessionRuntime): boolean {
  if (budget === null) return false;
  return runtime.unpricedCalls > 0 || runtime.listCostNanoUsd >= budgetNanoUsd(budget);
}

const rejected = (reason: string, message: string) => invalidRequest(`budget: ${message} (${reason})`, reason);

/** A budget at create: every model the session can run must have a list price. */
export function checkNewBudget(unpricedModels: readonly string[]): void {
  if (unpricedModels.length > 0) {
    throw rejected('model_not_budgetable', `model ${unpricedModels.join(', ')} has no list price, so a budget cannot measure it`);
  }
}

/**
 * A budget change at update: `null` removes it; an object replaces one the session has (a session
 * created without one, or whose budget was removed, cannot get one), and must be above what the
 * session has consumed.
 */
export function checkBudgetUpdate(current: BudgetLimit | null, next: BudgetLimit | null, runtime: SessionRuntime, unpricedModels: readonly string[]): void {
  if (next === null) return;
  if (current === null) {
    throw rejected('budget_create_only', 'a budget can only be set when the session is created (and a removed budget cannot be re-added)');
  }
  checkNewBudget(unpricedModels);
  if (runtime.unpricedCalls > 0) {
    throw rejected('model_not_budgetable', 'the session has used a model with no list price; remove the budget to continue');
  }
  if (budgetNanoUsd(next) <= runtime.listCostNanoUsd) {
    throw rejected('budget_not_raised', `max_list_cost must be above the session's consumed list cost (${centsString(runtime.listCostNanoUsd)} cents)`);
  }
}

// Handlers of multi-agent steps: a coordinator's delegation (a new thread for a roster agent at its
// pinned version, or a follow-up), and the coordinator running again once a thread it waits on
// works again. The events are built by domain/changes/threads.ts.
import { delegate, refuseDelegation } from '../../domain/changes/threads.js';
import { ensureRunning } from '../../domain/changes/turn.js';
import { planDelegation } from '../../domain/delegation.js';
import { mergeChanges } from '../../domain/changes/log-changes.js';
import type { StepHandlers } from './step-context.js';

export const threadSteps: Pick<StepHandlers, 'delegate' | 'resume'> = {
  delegate: async (step, ctx) => {
    const t = ctx.thread(step.thread);
    const plan = planDelegation(ctx.state, step.call, await ctx.roster());
    const env = ctx.env();
    const changes = plan.kind === 'refuse' ? refuseDelegation(step.call, plan.text, env) : delegate(step.call, plan, env);
    await ctx.write(mergeChanges(ensureRunning(t, env), changes), t.id);
    return 'continue';
  },

  resume: async (step, ctx) => {
    await ctx.write(ensureRunning(ctx.thread(step.thread), ctx.env()), step.thread);
    return 'continue';
  },
};

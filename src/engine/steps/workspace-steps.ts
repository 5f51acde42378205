// Handler of prepare_workspace: this machine materialises the session's file and repository
// resources before the sandbox or the model is used; what fails is reported as session.error
// (and a terminal failure terminates the session), as domain/changes/mounts.ts decides.
import { mountFailureChanges } from '../../domain/changes/mounts.js';
import { ensureRunning } from '../../domain/changes/turn.js';
import { PRIMARY_THREAD } from '../../domain/session-state.js';
import type { StepHandlers } from './step-context.js';

export const workspaceSteps: Pick<StepHandlers, 'prepare_workspace'> = {
  prepare_workspace: async (step, ctx) => {
    // Preparing is part of the turn: the session runs while it clones.
    await ctx.write(ensureRunning(ctx.thread(step.thread), ctx.env()), step.thread);
    // A snapshot newer than this machine's copy goes first: it brings back the resources as the agent
    // left them, and only what it lacks is placed (a failed restore's note reaches the next tool result).
    await ctx.workspaceReady();
    const outcome = await ctx.abortable((signal) => ctx.effects.workspace.prepare(ctx.session, ctx.state.mountFailures, signal));
    if (outcome.cut) return outcome.cut === 'shutdown' ? 'stop' : 'continue';
    if (!outcome.ok) throw outcome.error;
    if (outcome.value.failures.length === 0) return 'continue';
    const changes = mountFailureChanges(outcome.value.failures, ctx.env());
    await ctx.write(changes, PRIMARY_THREAD);
    return changes.status === 'terminated' ? 'stop' : 'continue';
  },
};

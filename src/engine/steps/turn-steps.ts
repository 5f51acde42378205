// Handlers of the turn's own steps: interrupts, waiting for the client or a retry, ending the turn.
import { interruptTurn } from '../../domain/changes/outcome.js';
import { awaitClient, endTurn } from '../../domain/changes/turn.js';
import type { StepHandlers } from './step-context.js';

export const turnSteps: Pick<StepHandlers, 'interrupt' | 'await_client' | 'end_turn' | 'wait' | 'done'> = {
  interrupt: async (step, ctx) => {
    const env = ctx.env();
    // Threads at work stop first (their answers reach the coordinator), then the session's turn;
    // a delegated message a thread has not started on is dropped with the call it belonged to.
    for (const id of step.threads ?? []) {
      const child = ctx.thread(id);
      await ctx.write(interruptTurn(child, { interruptIds: child.pendingInputs.map((e) => e.id), stopTurn: true }, env), id);
    }
    await ctx.write(interruptTurn(ctx.thread(step.thread), step, env), step.thread);
    return 'continue';
  },

  await_client: async (step, ctx) => {
    await ctx.write(awaitClient(ctx.thread(step.thread), step.eventIds, ctx.env()), step.thread);
    return 'stop';
  },

  end_turn: async (step, ctx) => {
    await ctx.write(endTurn(ctx.thread(step.thread), ctx.env()), step.thread);
    return 'stop';
  },

  // Waits out a retry's backoff; an interrupt ends the wait early, shutdown ends the run.
  wait: async (step, ctx) => {
    const { clock } = ctx.effects;
    const waited = await ctx.abortable((signal) => clock.sleep(Math.max(0, step.until - clock.now()), signal));
    return waited.cut === 'shutdown' ? 'stop' : 'continue';
  },

  done: async () => 'stop',
};

// Changes of an outcome's grading: opening an evaluation span, closing it with the grader's result
// (the feedback the agent gets next is folded from that event, see fold.ts), a grader that failed,
// and an interrupt that ends the outcome.
import type { BetaUsage } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import { evaluationResult, interruptedResource, resourceAfter, runningResource, type GraderVerdict, type OutcomeState } from '../outcome.js';
import { canRetry, type RetryPolicy } from '../retry.js';
import type { ThreadState } from '../session-state.js';
import { modelUsage } from '../usage.js';
import { engineEvent } from './engine-event.js';
import { mergeChanges, noChanges, type ChangeEnv, type LogChanges } from './log-changes.js';
import { modelFailed, type ModelFailure } from './model.js';
import { ensureRunning, interrupt, reschedule } from './turn.js';

const outcomeOf = (t: ThreadState): OutcomeState => {
  if (!t.outcome) throw new Error(`thread ${t.id} has no outcome`);
  return t.outcome;
};

/** The grader begins on the current iteration; the session keeps running (no idle in between). */
export function startEvaluation(t: ThreadState, env: ChangeEnv): { changes: LogChanges; startId: string } {
  const o = outcomeOf(t);
  const start = engineEvent('span.outcome_evaluation_start', { outcome_id: o.outcomeId, iteration: o.iteration }, env, { thread: t.id });
  const changes = mergeChanges(ensureRunning(t, env), {
    ...noChanges(env.at),
    events: [start],
    outcome: { ...runningResource(o), result: 'evaluating' },
  });
  return { changes, startId: start.id };
}

/** A heartbeat while the grader runs. */
export const evaluationOngoing = (t: ThreadState, env: ChangeEnv): LogChanges => ({
  ...noChanges(env.at),
  events: [engineEvent('span.outcome_evaluation_ongoing', { outcome_id: outcomeOf(t).outcomeId, iteration: outcomeOf(t).iteration }, env, { thread: t.id })],
});

function endEvent(t: ThreadState, startId: string, result: string, explanation: string, usage: BetaUsage | undefined, env: ChangeEnv): LogChanges {
  const o = outcomeOf(t);
  const end = engineEvent(
    'span.outcome_evaluation_end',
    { outcome_evaluation_start_id: startId, outcome_id: o.outcomeId, iteration: o.iteration, result, explanation, usage: modelUsage(usage) },
    env,
    { thread: t.id },
  );
  return {
    ...noChanges(env.at),
    events: [end],
    outcome: resourceAfter(o, o.iteration, result, explanation, env.at),
    ...(usage ? { usage } : {}),
  };
}

/** The grader's verdict closes the span; on the last iteration needs_revision is max_iterations_reached. */
export function endEvaluation(
  t: ThreadState,
  startId: string,
  verdict: { verdict: GraderVerdict; explanation: string },
  usage: BetaUsage,
  env: ChangeEnv,
): LogChanges {
  const o = outcomeOf(t);
  return endEvent(t, startId, evaluationResult(verdict.verdict, o.iteration, o.maxIterations), verdict.explanation, usage, env);
}

/** The grader answered but gave no usable verdict: the outcome fails, saying why. */
export const unusableVerdict = (t: ThreadState, startId: string, error: string, usage: BetaUsage, env: ChangeEnv): LogChanges =>
  endEvent(t, startId, 'failed', `The grader gave no usable verdict: ${error}.`, usage, env);

/**
 * The grader's model call failed: retried like any model call while the budget lasts (the span
 * stays open and the next attempt closes it); otherwise the outcome fails and the turn ends with
 * session.error and idle retries_exhausted.
 */
export function graderFailed(t: ThreadState, startId: string, failure: ModelFailure, policy: RetryPolicy, env: ChangeEnv): LogChanges {
  if (failure.retryable && canRetry(t.retries, policy)) return reschedule(t, env);
  return mergeChanges(endEvent(t, startId, 'failed', `The grader's model call failed: ${failure.message}`, undefined, env), modelFailed(t, undefined, failure, policy, env));
}

/** An interrupt ends the active outcome: an evaluation under way closes as interrupted. */
export function interruptOutcome(t: ThreadState, env: ChangeEnv): LogChanges {
  const o = t.outcome;
  if (!o) return noChanges(env.at);
  if (o.phase === 'evaluating' && o.evaluationStartId !== undefined) return endEvent(t, o.evaluationStartId, 'interrupted', 'Interrupted by the user.', undefined, env);
  if (o.phase === 'working') return { ...noChanges(env.at), outcome: interruptedResource(o, env.at) };
  return noChanges(env.at);
}

/** Stamps the interrupts; a turn that stops ends its outcome first (the evaluation end precedes the idle). */
export function interruptTurn(t: ThreadState, step: { interruptIds: string[]; stopTurn: boolean }, env: ChangeEnv): LogChanges {
  return step.stopTurn ? mergeChanges(interruptOutcome(t, env), interrupt(t, step, env)) : interrupt(t, step, env);
}

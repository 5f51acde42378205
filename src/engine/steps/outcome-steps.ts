// Handler of the grade step: the grader's model call for the current outcome iteration, with a
// span.outcome_evaluation_ongoing heartbeat while it runs. Its events are built by
// domain/changes/outcome.ts.
import { endEvaluation, evaluationOngoing, graderFailed, startEvaluation, unusableVerdict } from '../../domain/changes/outcome.js';
import { parseVerdict } from '../../domain/outcome.js';
import { graderRequest } from '../grader-request.js';
import { classifyModelError } from '../model/model-errors.js';
import type { StepHandlers } from './step-context.js';

export const outcomeSteps: Pick<StepHandlers, 'grade'> = {
  grade: async (step, ctx) => {
    const t = ctx.thread(step.thread);
    const outcome = t.outcome;
    if (!outcome) throw new Error(`grade step on thread ${t.id} without an outcome`);
    let startId = step.startId;
    if (startId === undefined) {
      const started = startEvaluation(t, ctx.env());
      await ctx.write(started.changes, t.id);
      startId = started.startId;
    }
    const request = graderRequest(ctx.agentOf(t), t, outcome, ctx.effects.config.maxOutputTokens);
    const heartbeatMs = ctx.effects.config.outcomeHeartbeatMs;
    let beats = Promise.resolve();
    const timer = setInterval(() => {
      beats = beats.then(() => ctx.write(evaluationOngoing(t, ctx.env()), t.id)).then(() => undefined, () => undefined);
    }, heartbeatMs);
    const result = await ctx.abortable((signal) => ctx.effects.model.complete(request, signal, { workspaceId: ctx.session.workspaceId }));
    clearInterval(timer);
    await beats;
    if (result.cut === 'shutdown') return 'stop';
    // The interrupt step closes the span as interrupted.
    if (result.cut === 'interrupt') return 'continue';
    if (!result.ok) {
      const failure = classifyModelError(result.error);
      ctx.effects.logger.warn({ session_id: ctx.session.id, err: failure.message, retryable: failure.retryable }, 'grader call failed');
      const changes = graderFailed(t, startId, failure, ctx.retry, ctx.env());
      await ctx.write(changes, t.id);
      return changes.status === 'idle' ? 'stop' : 'continue';
    }
    const verdict = parseVerdict(result.value);
    const changes =
      'error' in verdict
        ? unusableVerdict(t, startId, verdict.error, result.value.usage, ctx.env())
        : endEvaluation(t, startId, verdict, result.value.usage, ctx.env());
    await ctx.write(changes, t.id);
    return 'continue';
  },
};

// Handler of the grade step: the grader's model call for the current outcome iteration, with a
// span.outcome_evaluation_ongoing heartbeat while it runs. Its events are built by
// domain/changes/outcome.ts.
import { endEvaluation, evaluationOngoing, graderFailed, startEvaluation, unusableVerdict } from '../../domain/changes/outcome.js';
import { parseVerdict } from '../../domain/outcome.js';
import { graderRequest } from '../grader-request.js';
import { classifyModelError } from '../model/model-errors.js';
import { EngineCallKind, engineCallRecord } from '../model-call-record.js';
import { noChanges } from '../../domain/changes/log-changes.js';
import type { BetaMessage } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
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
    const span = ctx.spans.chat(t.id, request);
    const startedAt = performance.now();
    const result = await ctx.abortable((signal) => ctx.effects.model.complete(request, signal, { workspaceId: ctx.session.workspaceId }));
    const latencyMs = performance.now() - startedAt;
    span.end(result.ok ? { ok: true, message: result.value } : { ok: false, errorType: result.cut ? 'interrupted' : classifyModelError(result.error).type });
    clearInterval(timer);
    await beats;
    if (result.cut === 'shutdown') return 'stop';
    // The grader's call is a priced ledger row like the agent's own (it counts toward the budget).
    const env = ctx.env();
    const calls = (message: BetaMessage | undefined, outcome: string) => [
      engineCallRecord({ session: ctx.session, thread: t.id, kind: EngineCallKind.grader, model: request.model, message, outcome, latencyMs, at: env.at }, ctx.effects),
    ];
    // The interrupt step closes the span as interrupted.
    if (result.cut === 'interrupt') {
      await ctx.write({ ...noChanges(env.at), calls: calls(undefined, 'interrupted') }, t.id);
      return 'continue';
    }
    if (!result.ok) {
      const failure = classifyModelError(result.error);
      ctx.effects.logger.warn({ session_id: ctx.session.id, err: failure.message, retryable: failure.retryable }, 'grader call failed');
      const changes = graderFailed(t, startId, failure, ctx.retry, env);
      await ctx.write({ ...changes, calls: calls(undefined, failure.type) }, t.id);
      return changes.status === 'idle' ? 'stop' : 'continue';
    }
    const verdict = parseVerdict(result.value);
    const changes =
      'error' in verdict
        ? unusableVerdict(t, startId, verdict.error, result.value.usage, env)
        : endEvaluation(t, startId, verdict, result.value.usage, env);
    await ctx.write({ ...changes, calls: calls(result.value, 'ok') }, t.id);
    return 'continue';
  },
};

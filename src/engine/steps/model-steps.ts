// Handlers of model steps: a model call (the turn's next response) and a compaction call. The
// events each writes are built by domain/changes/model.ts; only the call itself happens here.
import type { BetaMessage } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import type { LogChanges } from '../../domain/changes/log-changes.js';
import { abortedRequest, compactionLimitReached, modelFailed, recordCompaction, recordResponse, startRequest } from '../../domain/changes/model.js';
import { MAX_COMPACTIONS_IN_A_ROW } from '../../domain/decide.js';
import { ensureRunning } from '../../domain/changes/turn.js';
import { isChild, type ThreadState } from '../../domain/session-state.js';
import { compactionRequest, summaryOf } from '../compaction.js';
import { classifyModelError } from '../model/model-errors.js';
import { buildRequest } from '../request.js';
import { ResponsePreview } from '../previews.js';
import { resolveToolset } from '../tools/toolset.js';
import type { EffectResult, StepContext, StepHandlers, StepOutcome } from './step-context.js';

/**
 * Records how a model call ended. `startId` is its span (none for a compaction call). A shutdown
 * writes nothing: the next owner re-issues the request.
 */
async function settle(
  ctx: StepContext,
  t: ThreadState,
  startId: string | undefined,
  result: EffectResult<BetaMessage>,
  onSuccess: (message: BetaMessage) => LogChanges,
): Promise<StepOutcome> {
  if (result.ok) {
    await ctx.write(onSuccess(result.value), t.id);
    return 'continue';
  }
  if (result.cut === 'shutdown') return 'stop';
  if (result.cut === 'interrupt') {
    if (startId !== undefined) await ctx.write(abortedRequest(t, startId, ctx.env()), t.id);
    return 'continue';
  }
  const failure = classifyModelError(result.error);
  ctx.effects.logger.warn({ session_id: ctx.session.id, err: failure.message, retryable: failure.retryable }, 'model call failed');
  const changes = modelFailed(t, startId, failure, ctx.retry, ctx.env());
  await ctx.write(changes, t.id);
  return changes.status === 'idle' ? 'stop' : 'continue';
}

export const modelSteps: Pick<StepHandlers, 'call_model' | 'compact' | 'compaction_limit'> = {
  call_model: async (step, ctx) => {
    const t = ctx.thread(step.thread);
    const agent = ctx.agentOf(t);
    // Only the coordinator delegates (one level: a thread's own roster is ignored).
    const toolset = resolveToolset(agent, isChild(t) ? undefined : await ctx.roster());
    const mountNotes = await ctx.effects.mounts.notes(ctx.session, ctx.environment);
    // Built before the write, which takes the queued input out of the state.
    const request = buildRequest(agent, t, t.pendingInputs, toolset.definitions, { maxOutputTokens: ctx.effects.config.maxOutputTokens, mountNotes });
    const { changes, startId } = startRequest(t, step.closeSpan, ctx.env());
    await ctx.write(changes, t.id);
    // The call streams: text and thinking are previewed live under the ids their events will carry.
    const preview = new ResponsePreview(ctx.session.id, ctx.effects.deltas, () => ctx.env().newId('sevt'));
    const result = await ctx.abortable((signal) =>
      ctx.effects.model.complete(request, signal, { workspaceId: ctx.session.workspaceId }, preview.observe),
    );
    return settle(ctx, t, startId, result, (message) => recordResponse(t, startId, message, toolset.policies, ctx.env(), preview.blockIds));
  },

  compaction_limit: async (step, ctx) => {
    const t = ctx.thread(step.thread);
    await ctx.write(compactionLimitReached(t, MAX_COMPACTIONS_IN_A_ROW, ctx.env()), t.id);
    return 'stop';
  },

  compact: async (step, ctx) => {
    const t = ctx.thread(step.thread);
    await ctx.write(ensureRunning(t, ctx.env()), t.id);
    const agent = ctx.agentOf(t);
    const mountNotes = await ctx.effects.mounts.notes(ctx.session, ctx.environment);
    const toolset = resolveToolset(agent, isChild(t) ? undefined : await ctx.roster());
    const request = compactionRequest(agent, t, toolset.definitions, ctx.effects.config.maxOutputTokens, mountNotes);
    const result = await ctx.abortable((signal) => ctx.effects.model.complete(request, signal, { workspaceId: ctx.session.workspaceId }));
    return settle(ctx, t, undefined, result, (message) => recordCompaction(t, summaryOf(message), message, ctx.env()));
  },
};

// Handlers of model steps: a model call (the turn's next response) and a compaction call. The
// events each writes are built by domain/changes/model.ts; only the call itself happens here.
import type { BetaMessage } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import type { LogChanges } from '../../domain/changes/log-changes.js';
import { abortedRequest, modelFailed, recordCompaction, recordResponse, startRequest } from '../../domain/changes/model.js';
import { ensureRunning } from '../../domain/changes/turn.js';
import type { ThreadState } from '../../domain/session-state.js';
import { compactionRequest, summaryOf } from '../compaction.js';
import { classifyModelError } from '../model/model-errors.js';
import { buildRequest } from '../request.js';
import { resolveToolset } from '../tools/toolset.js';
import { mcpServerErrors } from '../../domain/changes/mcp.js';
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

export const modelSteps: Pick<StepHandlers, 'call_model' | 'compact'> = {
  call_model: async (step, ctx) => {
    const t = ctx.thread(step.thread);
    const { agent } = ctx.session;
    // The MCP servers' tools (listed once per session; a server that fails is reported and retried next time).
    const listing = await ctx.abortable((signal) => ctx.effects.mcp.list(ctx.session, signal));
    if (listing.cut) return listing.cut === 'shutdown' ? 'stop' : 'continue';
    if (!listing.ok) throw listing.error;
    const toolset = resolveToolset(agent, listing.value.listed);
    const mountNotes = await ctx.effects.mounts.notes(ctx.session, ctx.environment);
    // Built before the write, which takes the queued input out of the state.
    const request = buildRequest(agent, t, t.pendingInputs, toolset.definitions, { maxOutputTokens: ctx.effects.config.maxOutputTokens, mountNotes });
    const { changes, startId } = startRequest(t, step.closeSpan, ctx.env());
    const failures = listing.value.failures;
    if (failures.length > 0) {
      // Reported within the turn, just before the request they are missing from.
      const start = changes.events.pop()!;
      changes.events.push(...mcpServerErrors(t, failures, ctx.env()).events, start);
    }
    await ctx.write(changes, t.id);
    const result = await ctx.abortable((signal) => ctx.effects.model.complete(request, signal, { workspaceId: ctx.session.workspaceId }));
    return settle(ctx, t, startId, result, (message) => recordResponse(t, startId, message, toolset.policies, ctx.env()));
  },

  compact: async (step, ctx) => {
    const t = ctx.thread(step.thread);
    await ctx.write(ensureRunning(t, ctx.env()), t.id);
    const { agent } = ctx.session;
    const mountNotes = await ctx.effects.mounts.notes(ctx.session, ctx.environment);
    const listing = await ctx.abortable((signal) => ctx.effects.mcp.list(ctx.session, signal));
    const listed = listing.ok ? listing.value.listed : new Map();
    const request = compactionRequest(agent, t, resolveToolset(agent, listed).definitions, ctx.effects.config.maxOutputTokens, mountNotes);
    const result = await ctx.abortable((signal) => ctx.effects.model.complete(request, signal, { workspaceId: ctx.session.workspaceId }));
    return settle(ctx, t, undefined, result, (message) => recordCompaction(t, summaryOf(message), message, ctx.env()));
  },
};

// Handlers of model steps: a model call (the turn's next response) and a compaction call. The
// events each writes are built by domain/changes/model.ts; only the call itself happens here.
// Every call that ran (answered, failed or interrupted) is written to the usage ledger with the
// step's events, priced, so the session's cost moves in the same transaction.
import type { BetaMessage } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import { noChanges, type LogChanges } from '../../domain/changes/log-changes.js';
import { EngineCallKind, engineCallRecord } from '../model-call-record.js';
import type { ModelRequest } from '../model/model-client.js';
import { abortedRequest, compactionLimitReached, toolUseLimitReached, modelFailed, recordCompaction, recordResponse, startRequest } from '../../domain/changes/model.js';
import { MAX_COMPACTIONS_IN_A_ROW } from '../../domain/decide.js';
import { ensureRunning } from '../../domain/changes/turn.js';
import { isChild, type ThreadState } from '../../domain/session-state.js';
import { compactionRequest, summaryOf } from '../compaction.js';
import { classifyModelError } from '../model/model-errors.js';
import { buildRequest } from '../request.js';
import { ResponsePreview } from '../previews.js';
import { resolveToolset } from '../tools/toolset.js';
import { sessionWebPlan } from '../tools/web-plan.js';
import { mcpServerErrors } from '../../domain/changes/mcp.js';
import type { McpListing } from '../mcp/mcp-hub.js';
import type { EffectResult, StepContext, StepHandlers, StepOutcome } from './step-context.js';

/**
 * Records how a model call ended. `startId` is its span (none for a compaction call). A shutdown
 * writes nothing: the next owner re-issues the request.
 */
async function settle(
  ctx: StepContext,
  t: ThreadState,
  startId: string | undefined,
  call: Timed,
  onSuccess: (message: BetaMessage) => LogChanges,
): Promise<StepOutcome> {
  const { result } = call;
  const env = ctx.env();
  const ledger = (message: BetaMessage | undefined, outcome: string) => [
    engineCallRecord(
      { session: ctx.session, thread: t.id, kind: call.kind, model: call.model, message, outcome, latencyMs: call.latencyMs, at: env.at },
      ctx.effects,
    ),
  ];
  if (result.ok) {
    // With the next write: the turn's end, the tool call's start marker (one commit instead of two).
    await ctx.writeWithNext({ ...onSuccess(result.value), calls: ledger(result.value, 'ok') }, t.id);
    return 'continue';
  }
  if (result.cut === 'shutdown') return 'stop';
  if (result.cut === 'interrupt') {
    const aborted = startId !== undefined ? abortedRequest(t, startId, env) : noChanges(env.at);
    await ctx.write({ ...aborted, calls: ledger(undefined, 'interrupted') }, t.id);
    return 'continue';
  }
  const failure = classifyModelError(result.error);
  ctx.effects.logger.warn({ session_id: ctx.session.id, err: failure.message, retryable: failure.retryable }, 'model call failed');
  const changes = modelFailed(t, startId, failure, ctx.retry, env);
  await ctx.write({ ...changes, calls: ledger(undefined, failure.type) }, t.id);
  return changes.status === 'idle' ? 'stop' : 'continue';
}

interface Timed {
  kind: EngineCallKind;
  model: string;
  result: EffectResult<BetaMessage>;
  latencyMs: number;
}

/** Runs one model call as the step's abortable effect, timed for the ledger, in a `chat` span of the thread's turn. */
async function callModel(ctx: StepContext, thread: string, kind: EngineCallKind, request: ModelRequest, observe?: ResponsePreview['observe']): Promise<Timed> {
  const span = ctx.spans.chat(thread, request);
  const startedAt = performance.now();
  const result = await ctx.abortable((signal) => ctx.effects.model.complete(request, signal, { workspaceId: ctx.session.workspaceId }, observe));
  const latencyMs = performance.now() - startedAt;
  span.end(result.ok ? { ok: true, message: result.value } : { ok: false, errorType: result.cut ? 'interrupted' : classifyModelError(result.error).type });
  return { kind, model: request.model, result, latencyMs };
}

/**
 * The session's MCP tools, listed as an abortable effect (once per session; a server that fails is reported and
 * retried next time). An agent without MCP servers has nothing to list: no effect is set up for it.
 */
function listMcpTools(ctx: StepContext): Promise<EffectResult<McpListing>> {
  if (ctx.session.agent.mcp_servers.length === 0) return Promise.resolve({ ok: true, value: { listed: new Map(), failures: [] }, cut: undefined });
  return ctx.abortable((signal) => ctx.effects.mcp.list(ctx.session, signal));
}

export const modelSteps: Pick<StepHandlers, 'call_model' | 'compact' | 'compaction_limit' | 'tool_use_limit'> = {
  call_model: async (step, ctx) => {
    const t = ctx.thread(step.thread);
    const agent = ctx.agentOf(t);
    // Only the coordinator delegates (one level: a thread's own roster is ignored).
    const roster = isChild(t) ? undefined : await ctx.roster();
    const listing = await listMcpTools(ctx);
    if (listing.cut) return listing.cut === 'shutdown' ? 'stop' : 'continue';
    if (!listing.ok) throw listing.error;
    // The session's MCP servers are its primary agent's: child threads get none (refused at agent create).
    const web = sessionWebPlan(ctx.effects.config, ctx.environment, agent);
    const toolset = resolveToolset(agent, { roster, mcpListed: isChild(t) ? undefined : listing.value.listed, web });
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
    // The call streams: text and thinking are previewed live under the ids their events will carry.
    const preview = new ResponsePreview(ctx.session.id, ctx.effects.deltas, () => ctx.env().newId('sevt'));
    const call = await callModel(ctx, t.id, EngineCallKind.turn, request, preview.observe);
    return settle(ctx, t, startId, call, (message) => recordResponse(t, startId, message, toolset.policies, ctx.env(), preview.blockIds));
  },

  tool_use_limit: async (step, ctx) => {
    const t = ctx.thread(step.thread);
    await ctx.write(toolUseLimitReached(t, ctx.effects.config.maxToolRounds, ctx.env()), t.id);
    return 'stop';
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
    const listing = isChild(t) ? undefined : await listMcpTools(ctx);
    const toolset = resolveToolset(agent, {
      roster: isChild(t) ? undefined : await ctx.roster(),
      mcpListed: listing?.ok ? listing.value.listed : undefined,
      web: sessionWebPlan(ctx.effects.config, ctx.environment, agent),
    });
    const request = compactionRequest(agent, t, toolset.definitions, ctx.effects.config.maxOutputTokens, mountNotes);
    const call = await callModel(ctx, t.id, EngineCallKind.compaction, request);
    return settle(ctx, t, undefined, call, (message) => recordCompaction(t, summaryOf(message), message, ctx.env()));
  },
};

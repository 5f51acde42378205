// Handlers of tool steps: running a built-in call in the session's sandbox, offering calls to a
// self-hosted worker, and answering calls that will not run.
import { ABANDONED_TEXT, answerWithErrors, changesNothing, refusalText, startTool, toolResult, withNotes } from '../../domain/changes/tools.js';
import { ensureRunning } from '../../domain/changes/turn.js';
import type { EffectResult, StepContext, StepHandlers } from './step-context.js';
import type { ToolCall } from '../../domain/session-state.js';
import { egressPolicy } from '../../sandbox/egress/egress-policy.js';
import { webFetch } from '../tools/web-fetch.js';
import { credentialHostErrors, unreachableCredentialHosts } from '../../domain/credential-reach.js';
import type { ToolResultSpan } from '../turn-spans.js';
import { packagesFailed } from '../../domain/changes/packages.js';
import type { SandboxPreparation, SessionSandbox } from '../../sandbox/types.js';
import { describePackageSet, packageSetOf } from '../../sandbox/packages/package-set.js';

/** One info line per built-in tool call: session, tool, duration, outcome (never its input or output). */
function logToolCall(ctx: StepContext, call: { name: string; toolUseId: string }, outcome: EffectResult<{ isError: boolean }>, durationMs: number): void {
  const result = outcome.cut ? `cut by ${outcome.cut}` : !outcome.ok ? 'failed' : outcome.value.isError ? 'error' : 'ok';
  ctx.effects.logger.info(
    { session_id: ctx.session.id, tool: call.name, tool_use_id: call.toolUseId, duration_ms: durationMs, outcome: result },
    `tool ${call.name} ${result} in ${durationMs}ms`,
  );
}

/** How a tool run ends its `execute_tool` span: a failed run or an is_error result is an error. */
export function toolSpanResult(outcome: EffectResult<{ isError: boolean; content?: unknown }>): ToolResultSpan {
  if (outcome.cut) return { ok: false, errorType: 'interrupted' };
  if (!outcome.ok) return { ok: false, errorType: outcome.error instanceof Error ? outcome.error.name : 'error' };
  return { ok: true, isError: outcome.value.isError, output: outcome.value.content };
}

/** web_fetch runs in agentd itself (not in the sandbox), under the environment's egress rules. */
async function runWebFetch(ctx: StepContext, thread: string, call: ToolCall) {
  const policy = egressPolicy(ctx.session, ctx.environment, ctx.effects.packageHosts);
  const toolset = ctx.session.agent.tools.find((t) => t.type === 'agent_toolset_20260401');
  const tool = toolset?.type === 'agent_toolset_20260401' ? toolset.configs.find((c) => c.name === 'web_fetch') : undefined;
  const span = ctx.spans.tool(thread, call);
  const outcome = await ctx.abortable((signal) =>
    webFetch(call.input, { config: ctx.effects.config.webFetch, policy, signal, tool: tool as Parameters<typeof webFetch>[1]['tool'] }),
  );
  span.end(toolSpanResult(outcome));
  if (outcome.cut) return outcome.cut === 'shutdown' ? 'stop' : 'continue';
  if (!outcome.ok) throw outcome.error;
  await ctx.writeWithNext(toolResult(ctx.thread(thread), call, outcome.value, ctx.env()), thread);
  return 'continue';
}

/** Before a sandbox tool runs: credentials whose hosts the environment's networking refuses are reported, once each. */
async function reportUnreachableCredentials(ctx: StepContext, thread: string): Promise<void> {
  const policy = egressPolicy(ctx.session, ctx.environment, ctx.effects.packageHosts);
  if (!policy || !ctx.effects.credentialHosts) return;
  const creds = (await ctx.effects.credentialHosts(ctx.session)).filter((c) => !ctx.state.unreachableCredentials.has(c.credentialId));
  const unreachable = unreachableCredentialHosts(creds, (host) => policy.allows(host));
  if (unreachable.length > 0) await ctx.write(credentialHostErrors(ctx.thread(thread), unreachable, ctx.env()), thread);
}

/** The sandbox's preparation; the work on the environment's packages (once per sandbox) is traced as an `install_packages` span. */
async function preparePackages(ctx: StepContext, thread: string, sandbox: SessionSandbox, signal: AbortSignal): Promise<SandboxPreparation> {
  let span: ReturnType<StepContext['spans']['packages']> | undefined;
  const set = packageSetOf(ctx.environment);
  const result = await sandbox.prepare(signal, () => {
    if (set) span = ctx.spans.packages(thread, describePackageSet(set));
  });
  span?.end(result.ok ? { ok: true } : { ok: false, errorType: 'package_install_failed' });
  return result;
}

export const toolSteps: Pick<StepHandlers, 'abandon_tools' | 'refuse_tools' | 'run_tool' | 'offer_remote'> = {
  abandon_tools: async (step, ctx) => {
    await ctx.write(answerWithErrors(ctx.thread(step.thread), step.calls, () => ABANDONED_TEXT, ctx.env()), step.thread);
    return 'continue';
  },

  refuse_tools: async (step, ctx) => {
    await ctx.write(answerWithErrors(ctx.thread(step.thread), step.calls, refusalText, ctx.env()), step.thread);
    return 'continue';
  },

  run_tool: async (step, ctx) => {
    const { call } = step;
    const thread = ctx.thread(step.thread);
    // Durably marked started first: after a crash it is reported, never re-run (a read-only call runs again; with
    // nothing else to stamp its start writes nothing, as the log writer skips empty changes).
    await ctx.write(startTool(thread, call, ctx.env()), step.thread);
    if (call.name === 'web_fetch') return runWebFetch(ctx, step.thread, call);
    await reportUnreachableCredentials(ctx, step.thread);
    // The workspace (restored here if another replica wrote it last), memory stores and skills are
    // in place before the sandbox (whose mounts they are) starts.
    const restored = await ctx.workspaceReady();
    const placed = await ctx.effects.mounts.prepare(ctx.session);
    const sandbox = ctx.effects.sandbox(ctx.session, ctx.environment);
    // The environment's packages: installed (or found in the cache) before the first call runs.
    const prepared = await ctx.abortable((signal) => preparePackages(ctx, step.thread, sandbox, signal));
    if (prepared.cut) return prepared.cut === 'shutdown' ? 'stop' : 'continue';
    if (!prepared.ok) throw prepared.error;
    if (!prepared.value.ok) {
      await ctx.write(packagesFailed(thread, call, prepared.value.message, ctx.env()), step.thread);
      return 'continue';
    }
    const started = ctx.effects.clock.now();
    const startedAt = performance.now();
    const span = ctx.spans.tool(step.thread, call);
    const outcome = await ctx.abortable((signal) => sandbox.run(call.name, call.input, call.toolUseId, signal));
    span.end(toolSpanResult(outcome));
    logToolCall(ctx, call, outcome, ctx.effects.clock.now() - started);
    ctx.effects.telemetry.toolCall(ctx.session, {
      name: call.name,
      outcome: outcome.cut ? 'interrupted' : outcome.ok && !outcome.value.isError ? 'ok' : 'error',
      seconds: (performance.now() - startedAt) / 1000,
    });
    // Before the result is recorded, so a client that sees it can already list the outputs and
    // read the memories the call wrote (a read-only call wrote none).
    const writes = !changesNothing(call);
    if (writes) await ctx.effects.outputs.capture(ctx.session);
    const synced = writes ? await ctx.effects.mounts.sync(ctx.session) : [];
    if (outcome.cut) return outcome.cut === 'shutdown' ? 'stop' : 'continue';
    if (!outcome.ok) throw outcome.error;
    await ctx.writeWithNext(toolResult(thread, call, withNotes(outcome.value, [...restored, ...placed, ...synced]), ctx.env()), step.thread);
    return 'continue';
  },

  // A worker of the self-hosted environment runs them and answers with user.tool_result.
  offer_remote: async (step, ctx) => {
    await ctx.write(ensureRunning(ctx.thread(step.thread), ctx.env()), step.thread);
    await ctx.effects.remoteWork.offer(ctx.session);
    return 'stop';
  },
};

// Handler of the MCP step: calls the tool on its MCP server (from the server process, never the
// sandbox). Marked started first, so a call cut off by a restart is reported, never sent again.
import { mcpServerErrors } from '../../domain/changes/mcp.js';
import { mergeChanges } from '../../domain/changes/log-changes.js';
import { startTool, toolResult } from '../../domain/changes/tools.js';
import type { StepHandlers } from './step-context.js';
import { toolSpanResult } from './tool-steps.js';

export const mcpSteps: Pick<StepHandlers, 'run_mcp_tool'> = {
  run_mcp_tool: async (step, ctx) => {
    const { call } = step;
    const thread = ctx.thread(step.thread);
    await ctx.write(startTool(thread, call, ctx.env()), step.thread);
    const span = ctx.spans.tool(step.thread, call);
    const outcome = await ctx.abortable((signal) => ctx.effects.mcp.call(ctx.session, call.mcpServerName ?? '', call.name, call.input, signal));
    span.end(toolSpanResult(outcome));
    if (outcome.cut) return outcome.cut === 'shutdown' ? 'stop' : 'continue';
    if (!outcome.ok) throw outcome.error;
    const { content, isError, failure } = outcome.value;
    const result = toolResult(thread, call, { content, isError }, ctx.env());
    // Written with the next write (the next request's start), as a built-in tool's result is.
    await ctx.writeWithNext(failure ? mergeChanges(result, mcpServerErrors(thread, [failure], ctx.env())) : result, step.thread);
    return 'continue';
  },
};

// Runs built-in tools for one session in its workspace directory, which the agent sees as /workspace.
import fs from 'node:fs';
import type { BetaToolResultBlockParam } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import { betaAgentToolset20260401 } from '@anthropic-ai/sdk/tools/agent-toolset/node';
import { runRunnableTool } from '@anthropic-ai/sdk/lib/tools/BetaRunnableTool';
import type { BetaRunnableTool } from '@anthropic-ai/sdk/lib/tools/BetaRunnableTool';

export const AGENT_WORKDIR = '/workspace';

export interface ToolOutcome {
  content: Exclude<BetaToolResultBlockParam['content'], string | undefined>;
  isError: boolean;
}

/** Rewrites agent-visible absolute paths (/workspace/...) to the session's directory. */
function mapPaths(input: Record<string, unknown>, workdir: string): Record<string, unknown> {
  const out = { ...input };
  for (const key of ['file_path', 'path']) {
    const v = out[key];
    if (typeof v === 'string' && (v === AGENT_WORKDIR || v.startsWith(AGENT_WORKDIR + '/'))) {
      out[key] = workdir + v.slice(AGENT_WORKDIR.length);
    }
  }
  return out;
}

const textContent = (content: string | BetaToolResultBlockParam['content']): ToolOutcome['content'] =>
  typeof content === 'string' ? [{ type: 'text', text: content }] : (content ?? []);

export class WorkspaceTools {
  private tools: Map<string, BetaRunnableTool> | undefined;

  constructor(readonly workdir: string) {}

  private toolset(): Map<string, BetaRunnableTool> {
    if (!this.tools) {
      fs.mkdirSync(this.workdir, { recursive: true });
      this.tools = new Map(betaAgentToolset20260401({ workdir: this.workdir }).map((t) => [t.name, t]));
    }
    return this.tools;
  }

  async run(name: string, input: Record<string, unknown>, toolUseId: string, signal: AbortSignal): Promise<ToolOutcome> {
    if (name === 'web_fetch' || name === 'web_search') {
      return { isError: true, content: [{ type: 'text', text: `${name} is not available: this agentd server has no outbound web access for tools yet.` }] };
    }
    const tool = this.toolset().get(name);
    if (!tool) return { isError: true, content: [{ type: 'text', text: `Unknown tool "${name}".` }] };
    const args = mapPaths(input, this.workdir);
    const toolUse = { type: 'tool_use' as const, id: toolUseId, name, input: args };
    const outcome = await runRunnableTool(tool, args, { toolUse, toolUseBlock: toolUse, signal } as never);
    return { isError: outcome.isError, content: textContent(outcome.content) };
  }

  async close(): Promise<void> {
    for (const tool of this.tools?.values() ?? []) await tool.close?.();
    this.tools = undefined;
  }
}

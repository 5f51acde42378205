// Runs built-in tools for one session directly in its workspace directory (no isolation
// boundary: only for hosts without one, behind an explicit operator opt-out). The agent sees the
// directory as /workspace.
import fs from 'node:fs';
import type { BetaToolResultBlockParam } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import path from 'node:path';
import { betaAgentToolset20260401 } from '@anthropic-ai/sdk/tools/agent-toolset/node';
import { runRunnableTool } from '@anthropic-ai/sdk/lib/tools/BetaRunnableTool';
import type { BetaRunnableTool } from '@anthropic-ai/sdk/lib/tools/BetaRunnableTool';
import { globTool } from './glob-tool.js';
import { AGENT_WORKDIR, type SandboxProvider, type SessionSandbox, type ToolOutcome } from '../types.js';

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

/** Shows the session directory to the agent as /workspace, the path it works with. */
function agentView(content: string | BetaToolResultBlockParam['content'], workdir: string): ToolOutcome['content'] {
  const blocks: ToolOutcome['content'] = typeof content === 'string' ? [{ type: 'text', text: content }] : (content ?? []);
  return blocks.map((b) => (b.type === 'text' ? { ...b, text: b.text.split(workdir).join(AGENT_WORKDIR) } : b));
}

export class DirectSandbox implements SessionSandbox {
  private tools: Map<string, BetaRunnableTool> | undefined;
  /** The workdir with symlinks resolved: what tools report in their output. */
  private realWorkdir: string;

  constructor(readonly workdir: string) {
    this.realWorkdir = workdir;
  }

  private toolset(): Map<string, BetaRunnableTool> {
    if (!this.tools) {
      fs.mkdirSync(this.workdir, { recursive: true });
      const workdir = fs.realpathSync(this.workdir);
      const tools = betaAgentToolset20260401({ workdir }).filter((t) => t.name !== 'glob');
      this.tools = new Map([...tools, globTool(workdir) as BetaRunnableTool].map((t) => [t.name, t]));
      this.realWorkdir = workdir;
    }
    return this.tools;
  }

  async run(name: string, input: Record<string, unknown>, toolUseId: string, signal: AbortSignal): Promise<ToolOutcome> {
    if (name === 'web_fetch' || name === 'web_search') {
      return { isError: true, content: [{ type: 'text', text: `${name} is not available: this agentd server has no outbound web access for tools yet.` }] };
    }
    const tool = this.toolset().get(name);
    if (!tool) return { isError: true, content: [{ type: 'text', text: `Unknown tool "${name}".` }] };
    const args = mapPaths(input, this.realWorkdir);
    const toolUse = { type: 'tool_use' as const, id: toolUseId, name, input: args };
    const outcome = await runRunnableTool(tool, args, { toolUse, toolUseBlock: toolUse, signal } as never);
    return { isError: outcome.isError, content: agentView(outcome.content, this.realWorkdir) };
  }

  async close(): Promise<void> {
    for (const tool of this.tools?.values() ?? []) await tool.close?.();
    this.tools = undefined;
  }
}

export function directSandboxProvider(workspacesDir: string): SandboxProvider {
  return {
    kind: 'direct',
    open: (session) => new DirectSandbox(path.join(workspacesDir, session.id)),
  };
}

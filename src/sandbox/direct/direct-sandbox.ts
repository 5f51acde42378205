// Runs built-in tools for one session directly in its workspace directory (no isolation
// boundary: only for hosts without one, behind an explicit operator opt-out). File tools see the
// session's directories as /workspace and /mnt/session/outputs; bash sees host paths. The file tools
// are the SDK's, run in the server; bash is a persistent shell the sandbox spawner starts (direct-bash.ts).
import fs from 'node:fs';
import path from 'node:path';
import type { BetaToolResultBlockParam } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import { betaAgentToolset20260401 } from '@anthropic-ai/sdk/tools/agent-toolset/node';
import { runRunnableTool } from '@anthropic-ai/sdk/lib/tools/BetaRunnableTool';
import type { BetaRunnableTool } from '@anthropic-ai/sdk/lib/tools/BetaRunnableTool';
import { globTool } from './glob-tool.js';
import { DirectBash } from './direct-bash.js';
import type { Logger } from '../../logger.js';
import { SandboxSpawner } from '../bubblewrap/sandbox-spawner.js';
import { spawnerEntry } from '../bubblewrap/sandbox-helper-files.js';
import { AGENT_WORKDIR, type SandboxPreparation, type SandboxProvider, type SessionSandbox, type ToolOutcome } from '../types.js';
import { describePackageSet, packageSetOf } from '../packages/package-set.js';
import { AGENT_OUTPUTS_DIR, resourceMounts, sessionLayout, workspaceRelative, type Mount } from '../session-layout.js';

/** Agent-visible directories and the host directories behind them. */
type PathMap = Array<[agentPath: string, hostPath: string]>;

/** Rewrites agent-visible absolute paths (/workspace/..., /mnt/session/outputs/...) to host paths. */
function mapPaths(input: Record<string, unknown>, map: PathMap): Record<string, unknown> {
  const out = { ...input };
  for (const key of ['file_path', 'path']) {
    const v = out[key];
    if (typeof v !== 'string') continue;
    for (const [agentPath, hostPath] of map) {
      if (v === agentPath || v.startsWith(agentPath + '/')) {
        out[key] = hostPath + v.slice(agentPath.length);
        break;
      }
    }
  }
  return out;
}

/** Shows host paths in tool output as the agent-visible paths it works with. */
function agentView(content: string | BetaToolResultBlockParam['content'], map: PathMap): ToolOutcome['content'] {
  const blocks: ToolOutcome['content'] = typeof content === 'string' ? [{ type: 'text', text: content }] : (content ?? []);
  const rewrite = (text: string) => map.reduce((t, [agentPath, hostPath]) => t.split(hostPath).join(agentPath), text);
  return blocks.map((b) => (b.type === 'text' ? { ...b, text: rewrite(b.text) } : b));
}

export class DirectSandbox implements SessionSandbox {
  private tools: Map<string, BetaRunnableTool> | undefined;
  private bash: DirectBash | undefined;
  /** Agent path → host path (symlinks resolved, as tools report them). */
  private paths: PathMap = [];

  constructor(
    readonly workdir: string,
    readonly outputsDir: string,
    /** Mounts the file tools reach by their sandbox paths (memory stores, skills, resources elsewhere). */
    readonly mounts: readonly Mount[] = [],
    /** The environment's packages, which this provider does not install (see prepare). */
    readonly packages: string | undefined,
    /** Starts the session's shell (the server never forks). */
    private readonly spawner: SandboxSpawner,
    private readonly logger: Logger,
  ) {}

  /** Packages are installed only into bubblewrap layers: a session that needs them cannot run here. */
  async prepare(_signal: AbortSignal, onWork?: () => void): Promise<SandboxPreparation> {
    if (this.packages === undefined) return { ok: true };
    onWork?.();
    return {
      ok: false,
      message:
        `environment packages (${this.packages}) are installed only for bubblewrap sandboxes, and this server runs tools ` +
        'unisolated (AGENTD_SANDBOX=none); install them on the host instead and remove them from the environment',
    };
  }

  private toolset(): Map<string, BetaRunnableTool> {
    if (!this.tools) {
      fs.mkdirSync(this.workdir, { recursive: true });
      fs.mkdirSync(this.outputsDir, { recursive: true });
      const workdir = fs.realpathSync(this.workdir);
      const outputs = fs.realpathSync(this.outputsDir);
      // Mounts materialised in the workspace itself need no mapping; the others do (if present).
      const mapped = this.mounts.filter((m) => m.hostPath !== path.join(this.workdir, workspaceRelative(m.mountPath) ?? '') && fs.existsSync(m.hostPath));
      const mounts = mapped.map((m) => ({ ...m, hostPath: fs.realpathSync(m.hostPath) }));
      const ctx = {
        workdir,
        allowedRoots: [outputs, ...mounts.map((m) => m.hostPath)],
        readOnlyRoots: mounts.filter((m) => m.readOnly).map((m) => m.hostPath),
      };
      // The SDK's file tools; its bash would fork the shell from the server: ours has the spawner start it.
      const tools = betaAgentToolset20260401(ctx).filter((t) => t.name !== 'glob' && t.name !== 'bash');
      this.bash = new DirectBash(this.spawner, workdir, (text) => this.logger.debug({ stderr: text.slice(0, 2000) }, 'shell stderr'));
      this.tools = new Map([...tools, globTool(workdir, ctx.allowedRoots) as BetaRunnableTool].map((t) => [t.name, t]));
      // Longest sandbox path first, so /workspace/skills maps before /workspace.
      this.paths = [[AGENT_OUTPUTS_DIR, outputs] as [string, string], ...mounts.map((m): [string, string] => [m.mountPath, m.hostPath]), [AGENT_WORKDIR, workdir] as [string, string]].sort(
        (a, b) => b[0].length - a[0].length,
      );
    }
    return this.tools;
  }

  async run(name: string, input: Record<string, unknown>, toolUseId: string, signal: AbortSignal): Promise<ToolOutcome> {
    if (name === 'web_fetch' || name === 'web_search') {
      return { isError: true, content: [{ type: 'text', text: `${name} is not available: this agentd server has no outbound web access for tools yet.` }] };
    }
    const tool = this.toolset().get(name);
    if (name === 'bash') {
      const outcome = await this.bash!.run(input, signal);
      return { isError: outcome.isError, content: agentView(outcome.content as BetaToolResultBlockParam['content'], this.paths) };
    }
    if (!tool) return { isError: true, content: [{ type: 'text', text: `Unknown tool "${name}".` }] };
    const args = mapPaths(input, this.paths);
    const toolUse = { type: 'tool_use' as const, id: toolUseId, name, input: args };
    const outcome = await runRunnableTool(tool, args, { toolUse, toolUseBlock: toolUse, signal } as never);
    return { isError: outcome.isError, content: agentView(outcome.content, this.paths) };
  }

  async close(): Promise<void> {
    for (const tool of this.tools?.values() ?? []) await tool.close?.();
    await this.bash?.stop();
    this.tools = undefined;
    this.bash = undefined;
  }
}

/** The unsandboxed provider, and how to stop its spawner (with the shells it started). */
export function directSandboxProvider(workspacesDir: string, logger: Logger): { provider: SandboxProvider; close: () => void } {
  // Started at the first shell (a session that only reads and writes files never needs it).
  const spawner = new SandboxSpawner(spawnerEntry(), logger);
  return {
    provider: {
      kind: 'direct',
      open: (session, environment) => {
        const layout = sessionLayout(workspacesDir, session.id);
        const packages = packageSetOf(environment);
        return new DirectSandbox(layout.workspace, layout.outputs, resourceMounts(layout, session), packages && describePackageSet(packages), spawner, logger);
      },
    },
    close: () => spawner.close(),
  };
}

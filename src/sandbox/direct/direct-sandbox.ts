// Runs built-in tools for one session directly on the host (no isolation boundary: only for hosts
// without one, behind an explicit operator opt-out). The file tools are the bubblewrap sandbox's
// (../confined: served by the server on the session's directories, which they see as /workspace,
// /mnt/session/outputs and the mounts' paths); bash is a persistent shell the sandbox spawner starts
// in the workspace (direct-bash.ts), unconfined: it sees host paths, which its output shows as the agent's.
import fs from 'node:fs';
import type { Clock } from '../../domain/clock.js';
import type { Logger } from '../../logger.js';
import { ConfinedFileTools, type ConfinedRoot } from '../confined/confined-file-tools.js';
import { SandboxSpawner } from '../bubblewrap/sandbox-spawner.js';
import { spawnerEntry } from '../bubblewrap/sandbox-helper-files.js';
import { AGENT_WORKDIR, type SandboxPreparation, type SandboxProvider, type SessionSandbox, type ToolOutcome } from '../types.js';
import { describePackageSet, packageSetOf } from '../packages/package-set.js';
import { resourceMounts, sessionLayout, sessionRoots, type Mount, type SessionLayout } from '../session-layout.js';
import { DirectBash } from './direct-bash.js';

/** Agent-visible directories and the host directories behind them, longest agent path first. */
type PathMap = Array<[agentPath: string, hostPath: string]>;

/** Shows host paths in the shell's output as the agent-visible paths the file tools work with. */
function agentView(content: ToolOutcome['content'], map: PathMap): ToolOutcome['content'] {
  const rewrite = (text: string) => map.reduce((t, [agentPath, hostPath]) => t.split(hostPath).join(agentPath), text);
  return content.map((b) => (b.type === 'text' ? { ...b, text: rewrite(b.text) } : b));
}

export class DirectSandbox implements SessionSandbox {
  private bash: DirectBash | undefined;

  constructor(
    private readonly layout: Pick<SessionLayout, 'workspace' | 'outputs'>,
    /** Mounts the file tools reach by their sandbox paths (memory stores, skills, resources elsewhere). */
    readonly mounts: readonly Mount[],
    /** The environment's packages, which this provider does not install (see prepare). */
    readonly packages: string | undefined,
    /** Starts the session's shell (the server never forks). */
    private readonly spawner: SandboxSpawner,
    /** When an unused shell stops (AGENTD_SANDBOX_IDLE_MS). */
    private readonly idleStop: { clock: Clock; ms: number },
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

  /** The session's directories and the mounts present now, as the file tools' roots (mounts come and go between turns). */
  private roots(): ConfinedRoot[] {
    return sessionRoots(this.layout, this.mounts.filter((m) => fs.existsSync(m.hostPath)));
  }

  async run(name: string, input: Record<string, unknown>, _toolUseId: string, signal: AbortSignal): Promise<ToolOutcome> {
    if (name === 'web_fetch' || name === 'web_search') {
      return { isError: true, content: [{ type: 'text', text: `${name} is not available: this agentd server has no outbound web access for tools yet.` }] };
    }
    if (ConfinedFileTools.names.has(name)) return new ConfinedFileTools({ workdir: AGENT_WORKDIR, roots: this.roots() }).run(name, input, signal);
    if (name !== 'bash') return { isError: true, content: [{ type: 'text', text: `Unknown tool "${name}".` }] };
    const roots = this.roots();
    this.bash ??= new DirectBash(this.spawner, this.layout.workspace, this.idleStop);
    const outcome = await this.bash.run(input, signal);
    // Symlinks resolved, as the shell reports its paths (pwd); longest host path first, so a mount inside the workspace reads as its own path.
    const map: PathMap = roots.map((r): [string, string] => [r.sandboxPath, fs.realpathSync(r.hostPath)]).sort((a, b) => b[1].length - a[1].length);
    return { isError: outcome.isError, content: agentView(outcome.content, map) };
  }

  async close(): Promise<void> {
    await this.bash?.stop();
    this.bash = undefined;
  }
}

/** The unsandboxed provider, and how to stop its spawner (with the shells it started). */
export function directSandboxProvider(
  workspacesDir: string,
  logger: Logger,
  idleStop: { clock: Clock; ms: number },
): { provider: SandboxProvider; close: () => void } {
  // Started at the first shell (a session that only reads and writes files never needs it).
  const spawner = new SandboxSpawner(spawnerEntry(), logger);
  return {
    provider: {
      kind: 'direct',
      open: (session, environment) => {
        const layout = sessionLayout(workspacesDir, session.id);
        const packages = packageSetOf(environment);
        return new DirectSandbox(layout, resourceMounts(layout, session), packages && describePackageSet(packages), spawner, idleStop);
      },
    },
    close: () => spawner.close(),
  };
}

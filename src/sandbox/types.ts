// The sandbox seam: where a session's built-in tools run. Local providers execute them on this
// machine (inside an isolation boundary); self-hosted environments hand them to remote workers.
import type { BetaToolResultBlockParam } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import type { EnvironmentRecord, SessionRecord } from '../store/types.js';

/** The path the agent sees as its working directory. */
export const AGENT_WORKDIR = '/workspace';

export interface ToolOutcome {
  content: Exclude<BetaToolResultBlockParam['content'], string | undefined>;
  isError: boolean;
}

/** Whether a sandbox can run the session's tools: `ok: false` says why not (the environment's packages failed to install). */
export type SandboxPreparation = { ok: true } | { ok: false; message: string };

/** One session's tool runtime. Started lazily; `close` stops processes but keeps the workspace. */
export interface SessionSandbox {
  /**
   * Before the first tool call: gets what the environment asks for in place (its packages'
   * layer: cached, or installed now). Resolves, never rejects; cheap once done. `onWork` is
   * called when there is something to do (for tracing).
   */
  prepare(signal: AbortSignal, onWork?: () => void): Promise<SandboxPreparation>;
  run(name: string, input: Record<string, unknown>, toolUseId: string, signal: AbortSignal): Promise<ToolOutcome>;
  close(): Promise<void>;
}

export interface SandboxProvider {
  /** A short name for logs and docs (e.g. "bubblewrap", "direct"). */
  readonly kind: string;
  open(session: SessionRecord, environment: EnvironmentRecord): SessionSandbox;
}

/** Where self-hosted environments' tool work goes: the environment work queue. */
export interface RemoteWork {
  /** Makes sure a work item offers this session to the environment's workers. */
  offer(session: SessionRecord): Promise<void>;
}

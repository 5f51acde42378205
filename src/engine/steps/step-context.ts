// What a step handler works with: the session, its folded state, the one write path, and effects
// that an interrupt or shutdown may cut short.
import type { SessionAgent } from '../../api/wire.js';
import type { ChangeEnv, LogChanges } from '../../domain/changes/log-changes.js';
import type { RosterAgent } from '../../domain/delegation.js';
import type { Clock } from '../../domain/clock.js';
import type { Step } from '../../domain/decide.js';
import type { RetryPolicy } from '../../domain/retry.js';
import type { SessionState, ThreadState } from '../../domain/session-state.js';
import type { EngineConfig } from '../../config/config.js';
import type { Logger } from '../../logger.js';
import type { RemoteWork, SandboxProvider, SessionSandbox } from '../../sandbox/types.js';
import type { EnvironmentRecord, EventRecord, SessionRecord } from '../../store/types.js';
import type { ModelClient } from '../model/model-client.js';
import type { PriceTable } from '../../telemetry/prices.js';
import type { UsageRecord } from '../../store/usage-types.js';
import type { DeltaChannel } from '../../events/delta-channel.js';
import type { McpTools } from '../mcp/mcp-hub.js';
import type { TraceEffects, TurnSpans } from '../turn-spans.js';
import type { CredentialHosts } from '../../domain/credential-reach.js';
import type { MountFailure } from '../../domain/workspace-mounts.js';
import type { WorkspaceSnapshots } from '../../sandbox/workspace/workspace-snapshots.js';

/** What one preparation did: resources placed, and the ones that failed. */
export interface PreparedWorkspace {
  placed: string[];
  failures: MountFailure[];
}

/** Why an effect was cut short: a user.interrupt, or this process shutting down. */
export type Cut = 'interrupt' | 'shutdown';

export type EffectResult<T> = { ok: true; value: T; cut: Cut | undefined } | { ok: false; error: unknown; cut: Cut | undefined };

/** Records what built-in tools wrote under /mnt/session/outputs (as session-scoped files). Never throws. */
export interface OutputCapture {
  capture(session: SessionRecord): Promise<void>;
}

/** A session's memory stores and skills (commands/session-mounts.ts, session-memory-sync.ts). */
export interface SessionMounts {
  /** What the system prompt says about them (fixed for the session's life); empty when it has none. */
  notes(session: SessionRecord, environment: EnvironmentRecord): Promise<string[]>;
  /** Before a built-in tool runs here: places what is not in the workspace yet. Notes for the agent; never throws. */
  prepare(session: SessionRecord): Promise<string[]>;
  /** After it ran: syncs memory mounts with their stores. Notes for the agent (what was not saved); never throws. */
  sync(session: SessionRecord): Promise<string[]>;
}

/**
 * This machine's copy of a session's file and repository resources (commands/prepare-workspace.ts):
 * whatever replica runs the session materialises them, never the one that took the request.
 */
export interface WorkspacePreparation {
  /**
   * What this machine holds of the session: mount path by resource id (domain/workspace-mounts.ts
   * plans the rest); undefined when it keeps no record of it (nothing prepared here yet).
   */
  prepared(sessionId: string): Promise<ReadonlyMap<string, string> | undefined>;
  /**
   * Materialises what is left (`failed`: reported this turn, SessionState.mountFailures): the ids
   * placed, and the ones that could not be, to report (each once). Throws only if the machine's own disk fails.
   */
  prepare(session: SessionRecord, failed: ReadonlyMap<string, string>, signal: AbortSignal): Promise<PreparedWorkspace>;
}

/** What the engine reports about its work as it happens (metrics; never fails a step). */
export interface EngineTelemetry {
  /** Model calls, once committed with their step's events. */
  modelCalls(session: SessionRecord, calls: readonly UsageRecord[]): void;
  /** A built-in tool call ran (or was cut short by an interrupt). */
  toolCall(session: SessionRecord, call: { name: string; outcome: 'ok' | 'error' | 'interrupted'; seconds: number }): void;
}

/** The effects steps perform, injected by the engine. */
export interface StepEffects {
  model: ModelClient;
  /** List prices: every model call is priced into the ledger and the session's cost. */
  prices: PriceTable;
  telemetry: EngineTelemetry;
  config: EngineConfig;
  logger: Logger;
  clock: Clock;
  /** The session's sandbox for built-in tools (kept by the engine across turns). */
  sandbox: (...args: Parameters<SandboxProvider['open']>) => SessionSandbox;
  remoteWork: RemoteWork;
  /** Turns files written under /mnt/session/outputs into session-scoped files. */
  outputs: OutputCapture;
  /** Memory stores and skills: prompt notes, placement, memory write-back. */
  mounts: SessionMounts;
  /** Files and repositories: materialised on this machine before the sandbox or the model is used. */
  workspace: WorkspacePreparation;
  /** Live previews (event_start / event_delta) for streams that opted in; best-effort, not logged. */
  deltas: DeltaChannel;
  /** The session's MCP servers: tool listings and calls, with vault credentials. */
  mcp: McpTools;
  /** OpenTelemetry: the tracer the turns' spans are made with. */
  traces: TraceEffects;
  /** A session's environment_variable credentials limited to hosts (read without their secrets). */
  credentialHosts?: ((session: SessionRecord) => Promise<CredentialHosts[]>) | undefined;
  /** Workspace snapshots in the blob store (absent: workspaces stay on this replica's disk only). */
  snapshots?: Pick<WorkspaceSnapshots, 'restoreWorkspace' | 'snapshotWorkspace'> | undefined;
  /** The operator's registry hosts, which `allow_package_managers` allows (as the sandboxes' egress policy does). */
  packageHosts?: readonly string[] | undefined;
}

export interface StepContext {
  readonly session: SessionRecord;
  readonly environment: EnvironmentRecord;
  readonly state: SessionState;
  readonly effects: StepEffects;
  readonly retry: RetryPolicy;
  /** The spans of the session's turns (model calls and tool runs add theirs). */
  readonly spans: TurnSpans;
  thread(id: string): ThreadState;
  /** The agent a thread runs: a child thread's pinned roster agent, else the session's. */
  agentOf(t: ThreadState): SessionAgent;
  /** The coordinator's roster, resolved to pinned versions (empty unless the session's agent is a coordinator). */
  roster(): Promise<RosterAgent[]>;
  /** The time and id source for changes made now. */
  env(): ChangeEnv;
  /** Applies a step's changes (the engine's one write path) and mirrors them on the state. */
  write(changes: LogChanges, thread: string): Promise<EventRecord[]>;
  /**
   * A step's last write, when it appends events (with the model calls that came with them) and sets nothing else:
   * folded at once, the session's row computed as it will be (the next decision sees both), and written with the
   * next write, or before the next effect starts or the run ends, whichever comes first. A tool's result and the next
   * request's start become one commit; so do a model's reply and the turn's end, or the tool call's start marker.
   */
  writeWithNext(changes: LogChanges, thread: string): Promise<void>;
  /**
   * Before a built-in tool runs: this replica's copy of the workspace is brought up to its latest
   * snapshot (once per run), and marked as changed so the turn's end snapshots it. Notes for the
   * agent (a restore that failed); never throws.
   */
  workspaceReady(): Promise<string[]>;
  /** Runs an effect as the current step's, so an interrupt or shutdown can abort it. */
  abortable<T>(effect: (signal: AbortSignal) => Promise<T>): Promise<EffectResult<T>>;
}

/** After a step: decide again, or stop until new input wakes the session. */
export type StepOutcome = 'continue' | 'stop';

export type StepHandler<S extends Step> = (step: S, ctx: StepContext) => Promise<StepOutcome>;

/** One handler per step type: adding a step means adding a variant and its handler, nothing else. */
export type StepHandlers = { [K in Step['type']]: StepHandler<Extract<Step, { type: K }>> };


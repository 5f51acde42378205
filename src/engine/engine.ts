// Schedules session runners: one per session with pending work, each holding the session's
// lease (so two processes never run one session, and a dead process's sessions are taken over).
import type { Logger } from '../logger.js';
import { CLIENT_EVENT_TYPES } from '../api/schemas/event.js';
import type { EngineConfig } from '../config/config.js';
import type { EventBus } from '../events/event-bus.js';
import type { EventLog } from '../events/event-log.js';
import type { SessionRecord, Store } from '../store/types.js';
import { isoNow, type Clock } from '../domain/clock.js';
import type { NewId } from '../domain/ids.js';
import type { ModelClient } from './model/model-client.js';
import type { PriceTable } from '../telemetry/prices.js';
import { withLogFields } from '../telemetry/log-context.js';
import { inboundTrace } from '../telemetry/trace-context.js';
import type { TraceEffects } from './turn-spans.js';
import { LeaseRenewals } from './lease-renewals.js';
import { SessionRunner, type StepObserver } from './session-runner.js';
import { LeaseLost } from '../store/errors.js';
import type { RemoteWork, SandboxProvider, SessionSandbox } from '../sandbox/types.js';
import type { EngineTelemetry, OutputCapture, SessionMounts, WorkspacePreparation } from './steps/step-context.js';
import type { DeltaChannel } from '../events/delta-channel.js';
import type { McpTools } from './mcp/mcp-hub.js';
import type { CredentialHosts } from '../domain/credential-reach.js';
import type { WorkspaceSnapshots } from '../sandbox/workspace/workspace-snapshots.js';

export interface EngineDeps {
  /** Stable per installation, so a restarted process reclaims its own leases at once. */
  owner: string;
  store: Store;
  log: EventLog;
  bus: EventBus;
  model: ModelClient;
  /** List prices of model calls (the ledger, session cost, budgets). */
  prices: PriceTable;
  /** Metrics of model and tool calls. */
  telemetry: EngineTelemetry;
  /** OpenTelemetry spans of turns, model calls and tool runs. */
  traces: TraceEffects;
  config: EngineConfig;
  logger: Logger;
  clock: Clock;
  /** Ids of the events the engine writes. */
  newId: NewId;
  /** Runs built-in tools of sessions in cloud environments. */
  sandboxes: SandboxProvider;
  /** Offers sessions of self-hosted environments to their workers. */
  remoteWork: RemoteWork;
  /** Captures what built-in tools write under /mnt/session/outputs. */
  outputs: OutputCapture;
  /** Memory stores and skills: prompt notes, placement before tools, memory write-back after. */
  mounts: SessionMounts;
  /** Files and repositories: materialised by this replica before the session's sandbox or model is used. */
  workspace: WorkspacePreparation;
  /** Where live previews of model output go (streams opened with event_deltas). */
  deltas: DeltaChannel;
  /** MCP servers of sessions' agents: listings and calls (with vault credentials). */
  mcp: McpTools;
  /** A session's environment_variable credentials limited to hosts (read without their secrets). */
  credentialHosts?: ((session: SessionRecord) => Promise<CredentialHosts[]>) | undefined;
  /** Workspace snapshots in the blob store, so another replica can continue a session (absent: off). */
  snapshots?: Pick<WorkspaceSnapshots, 'restoreWorkspace' | 'snapshotWorkspace'> | undefined;
  /** The operator's registry hosts, which `allow_package_managers` allows (AGENTD_PIP_INDEX_URL, …). */
  packageHosts?: readonly string[] | undefined;
  observe?: StepObserver | undefined;
}

interface Active {
  runner: SessionRunner;
  /** Input arrived while the runner was finishing: run once more. */
  again: boolean;
  done: Promise<void>;
  /** Ends the runner's linger (set while it waits for more input with nothing to do). */
  endLinger?: (() => void) | undefined;
}

/** Every client event type gives a session work to do. */
const WAKING: ReadonlySet<string> = new Set(CLIENT_EVENT_TYPES);

export class Engine {
  private readonly active = new Map<string, Active>();
  private readonly sandboxes = new Map<string, { sandbox: SessionSandbox; mounts: string }>();
  /** What start() subscribed to on the bus, undone by stop(). */
  private readonly subscriptions: Array<() => void> = [];
  private sweeper: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The leases of the sessions running here, renewed together. */
  private readonly renewals: LeaseRenewals;

  constructor(private readonly deps: EngineDeps) {
    this.renewals = new LeaseRenewals({ store: deps.store, owner: deps.owner, leaseMs: deps.config.leaseMs, clock: deps.clock, logger: deps.logger });
  }

  private get owner(): string {
    return this.deps.owner;
  }

  /** Subscribes to new input and resumes every session left mid-work by a previous process. */
  async start(): Promise<void> {
    // What this process commits to a session its runner holds is folded from the records, not read back.
    this.subscriptions.push(this.deps.bus.subscribeAll((sessionId, records) => this.active.get(sessionId)?.runner.heard(records)));
    this.subscriptions.push(
      this.deps.bus.onInput((sessionId, types, remote) => this.onInput(sessionId, types, remote), {
        // Input committed while the bus was reconnecting is found in the store.
        onMissed: () => void this.sweep().catch((err) => this.deps.logger.error({ err }, 'engine sweep failed')),
      }),
      // A session's row changed outside its log (its settings, budget or resources): its runner reads it again.
      // Undefined when wake-ups may have been missed (the bus reconnected): every runner does.
      this.deps.bus.onWake('session', (sessionId) => {
        if (sessionId !== undefined) this.active.get(sessionId)?.runner.sessionChanged();
        else for (const { runner } of this.active.values()) runner.sessionChanged();
      }),
      // An environment was edited, archived or deleted: its sessions' runners read it again at their next run.
      this.deps.bus.onWake('environment', (environmentId) => {
        for (const { runner } of this.active.values()) if (environmentId === undefined || runner.environmentId === environmentId) runner.environmentChanged();
      }),
    );
    await this.sweep();
    // Sessions whose owner died (another replica) become claimable when their lease lapses: a
    // takeover comes at most one sweep after the lease (AGENTD_LEASE_MS) ran out.
    this.sweeper = setInterval(() => {
      this.sweep().catch((err) => this.deps.logger.error({ err }, 'engine sweep failed'));
    }, this.deps.config.sweepMs);
    this.sweeper.unref();
  }

  /** Wakes every session that has queued input or was left running. */
  private async sweep(): Promise<void> {
    // Sessions another runner holds a live lease on are not tried: it renews (they are not stranded) and runs their
    // input itself, or finds it queued when it releases the lease (drive). A failed attempt is a wasted statement.
    const claimable = { owner: this.owner, now: isoNow(this.deps.clock) };
    const [queued, busy] = await Promise.all([
      this.deps.store.events.sessionsWithQueuedEvents(claimable),
      this.deps.store.sessions.idsWithStatus(['running', 'rescheduling'], claimable),
    ]);
    for (const id of new Set([...queued, ...busy])) if (!this.active.has(id)) this.wake(id);
  }

  private onInput(sessionId: string, types: readonly string[], remote?: { originRuns: boolean }): void {
    // Another process appended to the session: its runner here (if any) reads the session again.
    if (remote) this.active.get(sessionId)?.runner.sessionChanged();
    const waking = types.filter((t) => WAKING.has(t));
    if (waking.length === 0) return;
    // Input another replica took runs there (its engine takes the lease, or tells this one if it
    // holds it: see drive's release), so replicas do not race for every session's lease.
    if (remote?.originRuns && !this.active.has(sessionId)) return;
    this.wake(sessionId, waking);
  }

  wake(sessionId: string, types: readonly string[] = []): void {
    if (this.stopped) return;
    // Woken by an API request that sent a `traceparent`: the next turn continues the caller's trace.
    const caller = types.length > 0 ? inboundTrace() : undefined;
    const current = this.active.get(sessionId);
    if (current) {
      current.again = true;
      current.runner.notify(types, caller);
      current.endLinger?.();
      return;
    }
    const workspace = {
      prepared: this.deps.workspace.prepared,
      prepare: async (...args: Parameters<WorkspacePreparation['prepare']>) => {
        const done = await this.deps.workspace.prepare(...args);
        // A tool host started before took its mounts without these (one outside /workspace is a mount).
        if (done.placed.length > 0) this.closeSandbox(args[0].id);
        return done;
      },
    };
    const runner = new SessionRunner({ ...this.deps, workspace, sandbox: (session, env) => this.sandboxFor(session, env), snapshots: this.snapshots() }, sessionId);
    if (caller) runner.notify([], caller);
    const entry: Active = { runner, again: false, done: Promise.resolve() };
    this.active.set(sessionId, entry);
    // Every log line of the session's turns carries its id (telemetry/log-context.ts).
    entry.done = withLogFields({ session_id: sessionId }, () => this.drive(entry)).finally(() => {
      this.active.delete(sessionId);
      // Input that arrived while the runner was winding down (releasing its lease) still counts.
      if (entry.again) this.wake(sessionId);
    });
  }

  /** Snapshots, where a restore also retires the session's sandbox (its processes saw the files replaced). */
  private snapshots(): EngineDeps['snapshots'] {
    const snapshots = this.deps.snapshots;
    if (!snapshots) return undefined;
    return {
      snapshotWorkspace: (id, at) => snapshots.snapshotWorkspace(id, at),
      restoreWorkspace: async (id) => {
        const restored = await snapshots.restoreWorkspace(id);
        const cached = this.sandboxes.get(id);
        if (restored && cached) {
          this.sandboxes.delete(id);
          await cached.sandbox.close();
        }
        return restored;
      },
    };
  }

  /** One sandbox per session, kept across turns (a bash session keeps its state). */
  private sandboxFor(...[session, env]: Parameters<SandboxProvider['open']>): SessionSandbox {
    // Mounts are fixed when a sandbox opens: a resource added since means a fresh one (the
    // workspace persists; only the tool processes restart).
    const mounts = JSON.stringify(session.resources.map((r) => r.resource));
    const cached = this.sandboxes.get(session.id);
    if (cached && cached.mounts === mounts) return cached.sandbox;
    if (cached) void cached.sandbox.close();
    const sandbox = this.deps.sandboxes.open(session, env);
    this.sandboxes.set(session.id, { sandbox, mounts });
    return sandbox;
  }

  /** Closes the session's sandbox, if open: the next tool call opens a fresh one (the workspace persists). */
  private closeSandbox(sessionId: string): void {
    const cached = this.sandboxes.get(sessionId);
    if (!cached) return;
    this.sandboxes.delete(sessionId);
    void cached.sandbox.close();
  }

  /** Runs the session while holding its lease, renewing it, until no work is left. */
  private async drive(entry: Active): Promise<void> {
    const { store, config, logger } = this.deps;
    const id = entry.runner.sessionId;
    const { clock } = this.deps;
    const until = () => new Date(clock.now() + config.leaseMs).toISOString();
    const token = await store.sessions.acquireLease(id, this.owner, isoNow(clock), until());
    if (token === undefined) return;
    const fence = { owner: this.owner, token };
    this.renewals.hold(id, token, () => entry.runner.stop());
    // Other replicas' appends to the session reach its runner (it reads the session again): on a shared bus, only
    // while it watches the session. Appends made before the watch took hold are read the same way.
    const unwatch = this.deps.bus.watch(id, () => entry.runner.sessionChanged());
    let finished = false;
    try {
      do {
        entry.again = false;
        await entry.runner.run(fence);
        await this.linger(entry);
      } while (entry.again && !this.stopped);
      finished = true;
    } catch (err) {
      // Another replica took the session over (this one stalled past its lease): it carries on.
      if (err instanceof LeaseLost) logger.warn({ session_id: id }, err.message);
      else logger.error({ err, session_id: id }, 'session runner failed');
    } finally {
      unwatch();
      this.renewals.drop(id, token);
      await store.sessions.releaseLease(id, this.owner, token).catch(() => {});
    }
    // Input another replica committed while this one held the lease: its engine failed to take the
    // lease and left the session to this one, whose runner may have finished before hearing of it.
    // Read after the release, so any such input (committed before the other's attempt) is seen;
    // only input past what the runner folded (input it left queued on purpose stays so).
    if (finished && this.deps.bus.shared && !this.stopped) {
      if (await store.events.hasQueued(id, entry.runner.cursor).catch(() => false)) entry.again = true;
    }
  }

  /**
   * Keeps a finished runner (and the session's lease) for AGENTD_SESSION_LINGER_MS, until input
   * wakes it: a client answering soon, through this replica or another, finds it warm.
   */
  private linger(entry: Active): Promise<void> {
    const ms = this.deps.config.lingerMs;
    if (ms === 0 || entry.again || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const end = () => {
        clearTimeout(timer);
        entry.endLinger = undefined;
        resolve();
      };
      const timer = setTimeout(end, ms);
      timer.unref();
      entry.endLinger = end;
    });
  }

  /**
   * The session runs here, in an environment whose tools run on this server (cloud): no worker was ever offered its
   * calls, so a turn's end has no work to withdraw. False when unknown.
   */
  runsToolsHere(sessionId: string): boolean {
    return this.active.get(sessionId)?.runner.environmentType === 'cloud';
  }

  /** Stops every runner at its next safe point; their work resumes from the log on next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const unsubscribe of this.subscriptions.splice(0)) unsubscribe();
    clearInterval(this.sweeper);
    for (const entry of this.active.values()) {
      entry.runner.stop();
      entry.endLinger?.();
    }
    await Promise.all([...this.active.values()].map((e) => e.done));
    for (const { sandbox } of this.sandboxes.values()) await sandbox.close();
    this.sandboxes.clear();
  }
}

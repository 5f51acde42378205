// Runs one session's agent loop while its lease is held: fold in new events, decide, apply the
// step with its handler, repeat. Decisions live in src/domain (decide.ts, changes/); every effect
// is recorded in the log before the loop decides again, so a restart resumes from the log alone.
import { isoNow } from '../domain/clock.js';
import { holdable, joinHeld, noChanges, type ChangeEnv, type LogChanges } from '../domain/changes/log-changes.js';
import { decideThreads, type DecideContext, type Step } from '../domain/decide.js';
import type { NewId } from '../domain/ids.js';
import { compactionThreshold } from '../domain/models.js';
import { budgetReached } from '../domain/budget.js';
import { hasMountWork, planMounts } from '../domain/workspace-mounts.js';
import type { RetryPolicy } from '../domain/retry.js';
import { PRIMARY_THREAD, type SessionState } from '../domain/session-state.js';
import type { EventLog } from '../events/event-log.js';
import type { EnvironmentRecord, EventRecord, LeaseFence, SessionRecord, Store } from '../store/types.js';
import type { Logger } from '../logger.js';
import { LogWriter, sessionAhead } from './log-writer.js';
import { resolveRoster } from './roster.js';
import type { RosterAgent } from '../domain/delegation.js';
import { SessionFold } from './session-fold.js';
import type { Cut, EffectResult, StepContext, StepEffects, StepHandler } from './steps/step-context.js';
import { stepHandlers } from './steps/step-handlers.js';
import { TurnSpans } from './turn-spans.js';
import { withLogFields } from '../telemetry/log-context.js';
import type { SpanContext } from '@opentelemetry/api';

/**
 * Sees every step the engine takes, with what it was decided from (debugging, replay fixtures): the state, the
 * context, and the threads that were not decided for (a step of theirs under way, or the coordinator stopped).
 */
export type StepObserver = (seen: { sessionId: string; step: Step; state: SessionState; context: DecideContext; busy: ReadonlySet<string> }) => void;

export interface RunnerDeps extends StepEffects {
  store: Store;
  log: EventLog;
  newId: NewId;
  observe?: StepObserver | undefined;
}

/** One info line per session state change (the operator's view of what sessions do). */
function logStatusChanges(logger: Logger, written: readonly EventRecord[]): void {
  for (const e of written) {
    if (!e.type.startsWith('session.status_')) continue;
    const status = e.type.slice('session.status_'.length);
    const stopReason = e.type === 'session.status_idle' ? e.body.stop_reason.type : undefined;
    logger.info({ session_id: e.sessionId, status, ...(stopReason ? { stop_reason: stopReason } : {}) }, `session ${status}${stopReason ? ` (${stopReason})` : ''}`);
  }
}

const INTERRUPT: Cut = 'interrupt';
const SHUTDOWN: Cut = 'shutdown';

export function decideContext(
  session: SessionRecord,
  environment: EnvironmentRecord,
  deps: Pick<RunnerDeps, 'config'>,
  now: number,
  mountsPending = false,
): DecideContext {
  return {
    now,
    remoteTools: environment.config.type === 'self_hosted',
    compactAbove: compactionThreshold(session.agent.model.id, deps.config.compactionTokens),
    retry: retryPolicy(deps),
    budgetReached: budgetReached(session.budget, session.runtime),
    maxToolRounds: deps.config.maxToolRounds,
    mountsPending,
  };
}

const retryPolicy = ({ config }: Pick<RunnerDeps, 'config'>): RetryPolicy => ({
  maxRetries: config.maxRetries,
  baseMs: config.retryBaseMs,
  maxMs: config.retryMaxMs,
});

export class SessionRunner {
  /** Effects under way (one per thread at most), aborted together by an interrupt or shutdown. */
  private readonly current = new Set<AbortController>();
  /** The coordinator's roster, resolved once per runner (roster entries pin versions, so it never changes). */
  private rosterOf: Promise<RosterAgent[]> | undefined;
  private stopped = false;
  /** See currentSession. */
  private session: SessionRecord | undefined;
  private sessionStale = true;
  /** Writes this runner applied (a read overlapping one may be older than it). */
  private writes = 0;
  /** A step's last write, held to go with the next (see StepContext.writeWithNext). */
  private held: { changes: LogChanges; thread: string } | undefined;
  /** Steps under way (a write is held only while its step is the one). */
  private underWay = 0;
  private readonly fold: SessionFold;
  private readonly writer: LogWriter;
  /** The lease this run holds; every write checks it. */
  private fence: LeaseFence | undefined;
  /** The OpenTelemetry spans of this session's turns (made here and in the step handlers, never decided). */
  private spans: TurnSpans | undefined;
  /** The caller's trace of the request that woke the session, for the next turn's span. */
  private inbound: SpanContext | undefined;
  /** This replica's copy of the workspace, checked against the latest snapshot once per runner (under one lease). */
  private workspace: Promise<string[]> | undefined;
  /** A built-in tool ran since the last snapshot: the workspace may have changed. */
  private workspaceTouched = false;
  /** The session's environment as last read (see currentEnvironment), and whether it changed since. */
  private environment: EnvironmentRecord | undefined;
  private environmentStale = true;

  constructor(
    private readonly deps: RunnerDeps,
    readonly sessionId: string,
  ) {
    this.fold = new SessionFold(sessionId);
    this.writer = new LogWriter(deps.log, sessionId, deps.newId, () => this.fence);
  }

  /** The last event of the log this runner has folded in. */
  get cursor(): number {
    return this.fold.state.cursor;
  }

  /** Called with the types of newly committed events of this session (and the waking request's trace, if any). */
  notify(types: readonly string[], caller?: SpanContext): void {
    if (caller) {
      if (this.spans) this.spans.continueFrom(caller);
      else this.inbound = caller;
    }
    if (types.includes('user.interrupt')) for (const c of this.current) c.abort(INTERRUPT);
  }

  /** The type of the session's environment, once this runner has read it (it cannot change after creation). */
  get environmentType(): EnvironmentRecord['config']['type'] | undefined {
    return this.environment?.config.type;
  }

  /** The id of the session's environment, once this runner has read it. */
  get environmentId(): string | undefined {
    return this.environment?.id;
  }

  /** The environment was edited, archived or deleted: the next run reads it again. */
  environmentChanged(): void {
    this.environmentStale = true;
  }

  /**
   * The session's environment for a run: read at the runner's first run and again only after it changed (an
   * 'environment' wake, from this process or another), which saves a read per turn.
   */
  private async currentEnvironment(session: SessionRecord): Promise<EnvironmentRecord | undefined> {
    if (this.environmentStale || this.environment?.id !== session.environmentId) {
      // Cleared before the read: a change heard while it is under way makes the next run read again.
      this.environmentStale = false;
      this.environment = await this.deps.store.environments.get(session.workspaceId, session.environmentId);
    }
    return this.environment;
  }

  /**
   * The session's row changed outside this runner's writes (another process appended to its log, or its settings,
   * budget or resources changed): read it again before the next step.
   */
  sessionChanged(): void {
    this.sessionStale = true;
  }

  /**
   * The session's row as of the step under way: read at the runner's first step (a runner lives for one hold of the
   * lease: Engine.drive, its runs and the lingers between them) and whenever something else changed it, else as this
   * runner's own writes left it (LogWriter.sessionAfter), which saves a read per step. Input this process's API takes
   * changes only the log, whose records the runner hears; another process's appends come as sessionChanged.
   */
  private async currentSession(): Promise<SessionRecord | undefined> {
    if (this.sessionStale) {
      // Cleared before the read: a change heard while it is under way makes the next step read again, and so
      // does a write of this runner's own that committed meanwhile (the row read may be older than it).
      this.sessionStale = false;
      const writes = this.writes;
      this.session = await this.deps.store.sessions.find(this.sessionId);
      if (this.writes !== writes) this.sessionStale = true;
    }
    return this.session;
  }

  /** Records this process committed to the session (its API's input, this runner's writes): folded without a read. */
  heard(records: readonly EventRecord[]): void {
    this.fold.heard(records);
  }

  stop(): void {
    this.stopped = true;
    for (const c of this.current) c.abort(SHUTDOWN);
  }

  /**
   * Each thread has at most one step under way; threads of a multi-agent session run side by
   * side (their model calls overlap). Writes and folds take turns (`serial`); built-in tools run
   * one at a time, as the threads share one sandbox.
   */
  async run(fence: LeaseFence): Promise<void> {
    this.fence = fence;
    const { store, clock } = this.deps;
    const inFlight = new Map<string, Promise<void>>();
    let failure: unknown;
    // The coordinator stopped (idle, waiting, or offered to workers): it is not decided again in this run.
    let primaryStopped = false;
    let environment: EnvironmentRecord | undefined;
    try {
      while (!this.stopped && failure === undefined) {
        // A session of one thread whose thread stopped has nothing left to decide in this run (input
        // arriving now wakes the engine, which runs again): no reads to find that out.
        if (primaryStopped && inFlight.size === 0 && this.fold.state.threads.size === 1) break;
        // Something else changed the session: a held write goes out first, so the log is never read past events
        // folded ahead of their write.
        if (this.held && this.sessionStale) await this.flushHeld();
        const session = await this.currentSession();
        if (!session || session.archivedAt || session.status === 'terminated') break;
        // Fixed for a run (a turn, or a stretch of one): an environment edited meanwhile applies from the next.
        environment ??= await this.currentEnvironment(session);
        if (!environment) break;
        const spans = this.turnSpans(session);
        // A self-hosted environment's workers mount resources themselves; elsewhere this machine does.
        // Read before the fold: nothing may be awaited between the fold and the decision.
        const remote = environment.config.type === 'self_hosted';
        const prepared = remote ? undefined : ((await this.deps.workspace.prepared(session.id)) ?? new Map<string, string>());
        const state = await this.serial(() => this.fold.refresh(store, session.lastSeq));
        const mountsPending = prepared !== undefined && hasMountWork(planMounts(session.resources.map((r) => r.resource), prepared, state.mountFailures));
        const context = decideContext(session, environment, this.deps, clock.now(), mountsPending);
        const busy = new Set(inFlight.keys());
        if (primaryStopped) busy.add(PRIMARY_THREAD);
        const steps = decideThreads(state, context, busy);
        // An interrupt waits for the steps under way (the interrupt aborts them) and then runs alone.
        const interrupt = steps.find((s) => s.type === 'interrupt');
        if (interrupt && inFlight.size > 0) {
          await Promise.all(inFlight.values());
          continue;
        }
        for (const step of interrupt ? [interrupt] : steps) {
          this.deps.observe?.({ sessionId: this.sessionId, step, state, context, busy });
          // One handler per step type (steps/step-handlers.ts); the union is closed, so this lookup is total.
          const handler = stepHandlers[step.type] as StepHandler<Step>;
          const ctx = this.context(session, environment, spans);
          // Every step is part of its thread's turn: the turn's span is open while it runs, and its
          // lines carry the turn's trace id.
          spans.turn(step.thread, ctx.agentOf(ctx.thread(step.thread)));
          const cursor = state.cursor;
          const traced = () =>
            withLogFields(spans.logFields(step.thread) ?? {}, () => {
              this.deps.logger.debug({ session_id: this.sessionId, step: step.type, thread: step.thread, cursor }, 'engine step');
              return handler(step, ctx);
            });
          // Preparing the workspace and running tools take turns (both use this machine's copy of it), and both
          // leave it changed: a step that ends after a snapshot was taken (another thread's turn ended meanwhile)
          // makes the next turn end snapshot again.
          const run = step.type === 'run_tool' || step.type === 'prepare_workspace' ? () => this.tools(traced).finally(() => this.markTouched()) : traced;
          this.underWay++;
          const done = run()
            .then((outcome) => {
              // A thread stopping leaves the others' work, and the coordinator's, to do.
              if (outcome === 'stop' && step.thread === PRIMARY_THREAD) primaryStopped = true;
              if (outcome === 'stop') spans.end(step.thread);
            })
            .catch((err: unknown) => {
              spans.end(step.thread, err);
              failure ??= err;
            })
            .finally(() => {
              this.underWay--;
              inFlight.delete(step.thread);
            });
          inFlight.set(step.thread, done);
        }
        if (inFlight.size === 0) break;
        await Promise.race(inFlight.values());
      }
    } finally {
      await Promise.all(inFlight.values());
      // A held write goes out before the run ends; a failed run writes nothing more.
      if (failure === undefined) await this.flushHeld().catch((err: unknown) => (failure = err));
      else this.held = undefined;
      // A run ends when no thread has work left: a turn still open (shutdown, a lost lease) ends here.
      this.spans?.endAll(failure);
    }
    if (failure !== undefined) throw failure;
    // A run that stops without ending a turn (shutdown, work offered to a worker) still leaves a snapshot.
    await this.snapshotWorkspace();
  }

  private markTouched(): void {
    if (this.workspace) this.workspaceTouched = true;
  }

  private workspaceReady(): Promise<string[]> {
    this.workspaceTouched = true;
    return (this.workspace ??= this.restoreWorkspace());
  }

  private async restoreWorkspace(): Promise<string[]> {
    const { snapshots, logger } = this.deps;
    if (!snapshots) return [];
    try {
      await snapshots.restoreWorkspace(this.sessionId);
      return [];
    } catch (err) {
      // The tool still runs (on what is there); the next snapshot is a fresh base of it.
      logger.error({ err, session_id: this.sessionId }, 'workspace restore failed');
      return ['The workspace could not be restored from its snapshot on this machine: files written in earlier turns may be missing.'];
    }
  }

  /** Whether the turn's end snapshots the workspace (a tool ran since the last snapshot, and snapshots are on). */
  private get snapshotDue(): boolean {
    return this.deps.snapshots !== undefined && this.workspaceTouched && this.fence !== undefined;
  }

  /** Writes what built-in tools changed in the workspace since the last snapshot; never throws. */
  private async snapshotWorkspace(): Promise<void> {
    const { snapshots, logger, store } = this.deps;
    if (!snapshots || !this.workspaceTouched || !this.fence) return;
    this.workspaceTouched = false;
    try {
      const session = await store.sessions.find(this.sessionId);
      if (!session) return;
      await snapshots.snapshotWorkspace(this.sessionId, { eventSeq: session.lastSeq, fence: this.fence });
    } catch (err) {
      this.workspaceTouched = true; // tried again at the next turn's end
      logger.warn({ err, session_id: this.sessionId }, 'workspace snapshot failed');
    }
  }

  private turnSpans(session: SessionRecord): TurnSpans {
    if (!this.spans) {
      this.spans = new TurnSpans(this.deps.traces, { id: session.id, workspaceId: session.workspaceId }, this.deps.config.provider);
      if (this.inbound) this.spans.continueFrom(this.inbound);
      this.inbound = undefined;
    }
    return this.spans;
  }

  private serialTail: Promise<unknown> = Promise.resolve();
  /** Runs `fn` after every earlier serial call (the log's writes and the fold take turns). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.serialTail.then(fn);
    this.serialTail = result.catch(() => undefined);
    return result;
  }

  private toolTail: Promise<unknown> = Promise.resolve();
  /** Runs built-in tools one at a time (threads share the session's sandbox). */
  private tools<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.toolTail.then(fn);
    this.toolTail = result.catch(() => undefined);
    return result;
  }

  private context(session: SessionRecord, environment: EnvironmentRecord, spans: TurnSpans): StepContext {
    const { deps, fold } = this;
    return {
      session,
      environment,
      state: fold.state,
      effects: deps,
      retry: retryPolicy(deps),
      spans,
      agentOf: (t) => t.agent ?? session.agent,
      roster: () => (this.rosterOf ??= resolveRoster(deps.store, session)),
      thread: (id) => {
        const thread = fold.state.threads.get(id);
        if (!thread) throw new Error(`session ${this.sessionId} has no thread ${id}`);
        return thread;
      },
      env: (): ChangeEnv => ({ at: isoNow(deps.clock), newId: deps.newId }),
      write: (changes: LogChanges, thread: string) =>
        this.serial(async () => {
          const written = await this.apply(changes, thread);
          if (changes.calls?.length) deps.telemetry.modelCalls(session, changes.calls);
          return written;
        }),
      writeWithNext: (changes: LogChanges, thread: string) =>
        this.serial(async () => {
          await this.hold(changes, thread);
          // Counted when made, held or not (the call was made either way).
          if (changes.calls?.length) deps.telemetry.modelCalls(session, changes.calls);
        }),
      abortable: (effect) => this.abortable(effect),
      workspaceReady: () => this.workspaceReady(),
    };
  }

  /** Applies `changes` (with a held write's, if any: joinHeld) in one write, and mirrors them on the state. */
  private async apply(changes: LogChanges, thread: string): Promise<EventRecord[]> {
    const held = this.held;
    this.held = undefined;
    let joined = held && joinHeld(held.changes, changes);
    // The workspace's snapshot comes before the session goes idle and may take a while: a held reply is not kept
    // from the stream meanwhile.
    if (joined?.status === 'idle' && this.snapshotDue) joined = undefined;
    // Not joined (that, or both record model calls): the held write goes first, on its own.
    if (held && !joined) await this.commit(held.changes, true);
    const written = await this.commit(joined ?? changes, joined !== undefined);
    this.fold.patch(changes, thread);
    return written;
  }

  /** One write, the session's row mirrored after it; `ahead`: it carries events folded ahead (hold), checked now. */
  private async commit(changes: LogChanges, ahead: boolean): Promise<EventRecord[]> {
    const { deps, fold } = this;
    // Before the session goes idle: a client that sees the turn end may lose this replica.
    if (changes.status === 'idle') await this.snapshotWorkspace();
    const written = await this.writer.apply(changes);
    this.writes++;
    if (this.session) this.session = this.writer.sessionAfter(this.session, changes, written);
    if (ahead) await fold.settleAhead(deps.store, written);
    logStatusChanges(deps.logger, written);
    return written;
  }

  /**
   * Holds a step's last write for the next (StepContext.writeWithNext): one that only appends events, with the model
   * calls that came with them (holdable), and only while no other thread's step is under way (the state it works
   * with would change under it); else written now. The next step is decided on the state and the session's row as
   * the held write leaves them: its events folded ahead, the row's status and totals computed (sessionAhead).
   */
  private async hold(changes: LogChanges, thread: string): Promise<void> {
    if (this.held || this.underWay > 1 || !holdable(changes) || !this.session || !this.fold.foldAhead(changes.events)) {
      await this.apply(changes, thread);
      return;
    }
    this.held = { changes, thread };
    this.session = sessionAhead(this.session, changes);
  }

  /** Writes a held write now (before an effect starts, or the run ends). */
  private async flushHeld(): Promise<void> {
    if (!this.held) return;
    await this.serial(async () => {
      // Nothing of its own: apply writes what is held.
      if (this.held) await this.apply(noChanges(this.held.changes.at), this.held.thread);
    });
  }

  private async abortable<T>(effect: (signal: AbortSignal) => Promise<T>): Promise<EffectResult<T>> {
    await this.flushHeld();
    const ctrl = new AbortController();
    this.current.add(ctrl);
    if (this.stopped) ctrl.abort(SHUTDOWN);
    const cut = () => (ctrl.signal.aborted ? (ctrl.signal.reason as Cut) : undefined);
    try {
      const value = await effect(ctrl.signal);
      return { ok: true, value, cut: cut() };
    } catch (error) {
      return { ok: false, error, cut: cut() };
    } finally {
      this.current.delete(ctrl);
    }
  }
}

// Runs one session's agent loop while its lease is held: fold in new events, decide, apply the
// step with its handler, repeat. Decisions live in src/domain (decide.ts, changes/); every effect
// is recorded in the log before the loop decides again, so a restart resumes from the log alone.
import { isoNow } from '../domain/clock.js';
import type { ChangeEnv, LogChanges } from '../domain/changes/log-changes.js';
import { decide, type DecideContext, type Step } from '../domain/decide.js';
import type { NewId } from '../domain/ids.js';
import { compactionThreshold } from '../domain/models.js';
import type { RetryPolicy } from '../domain/retry.js';
import type { SessionState } from '../domain/session-state.js';
import type { EventLog } from '../events/event-log.js';
import type { EnvironmentRecord, EventRecord, SessionRecord, Store } from '../store/types.js';
import type { Logger } from '../logger.js';
import { LogWriter } from './log-writer.js';
import { SessionFold } from './session-fold.js';
import type { Cut, EffectResult, StepContext, StepEffects, StepHandler } from './steps/step-context.js';
import { stepHandlers } from './steps/step-handlers.js';

/** Sees every step the engine takes, with what it was decided from (debugging, replay fixtures). */
export type StepObserver = (seen: { sessionId: string; step: Step; state: SessionState; context: DecideContext }) => void;

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

export function decideContext(session: SessionRecord, environment: EnvironmentRecord, deps: Pick<RunnerDeps, 'config'>, now: number): DecideContext {
  return {
    now,
    remoteTools: environment.config.type === 'self_hosted',
    compactAbove: compactionThreshold(session.agent.model.id, deps.config.compactionTokens),
    retry: retryPolicy(deps),
  };
}

const retryPolicy = ({ config }: Pick<RunnerDeps, 'config'>): RetryPolicy => ({
  maxRetries: config.maxRetries,
  baseMs: config.retryBaseMs,
  maxMs: config.retryMaxMs,
});

export class SessionRunner {
  private current: AbortController | undefined;
  private stopped = false;
  private readonly fold: SessionFold;
  private readonly writer: LogWriter;

  constructor(
    private readonly deps: RunnerDeps,
    readonly sessionId: string,
  ) {
    this.fold = new SessionFold(sessionId);
    this.writer = new LogWriter(deps.log, sessionId);
  }

  /** Called with the types of newly committed events of this session. */
  notify(types: readonly string[]): void {
    if (types.includes('user.interrupt')) this.current?.abort(INTERRUPT);
  }

  stop(): void {
    this.stopped = true;
    this.current?.abort(SHUTDOWN);
  }

  async run(): Promise<void> {
    const { store, clock } = this.deps;
    while (!this.stopped) {
      const session = await store.sessions.find(this.sessionId);
      if (!session || session.archivedAt || session.status === 'terminated') return;
      const environment = await store.environments.get(session.workspaceId, session.environmentId);
      if (!environment) return;
      const state = await this.fold.refresh(store);
      const context = decideContext(session, environment, this.deps, clock.now());
      const step = decide(state, context);
      this.deps.observe?.({ sessionId: this.sessionId, step, state, context });
      this.deps.logger.debug({ session_id: this.sessionId, step: step.type, cursor: state.cursor }, 'engine step');
      // One handler per step type (steps/step-handlers.ts); the union is closed, so this lookup is total.
      const handler = stepHandlers[step.type] as StepHandler<Step>;
      if ((await handler(step, this.context(session, environment))) === 'stop') return;
    }
  }

  private context(session: SessionRecord, environment: EnvironmentRecord): StepContext {
    const { deps, fold } = this;
    return {
      session,
      environment,
      state: fold.state,
      effects: deps,
      retry: retryPolicy(deps),
      thread: (id) => {
        const thread = fold.state.threads.get(id);
        if (!thread) throw new Error(`session ${this.sessionId} has no thread ${id}`);
        return thread;
      },
      env: (): ChangeEnv => ({ at: isoNow(deps.clock), newId: deps.newId }),
      write: async (changes: LogChanges, thread: string) => {
        const written = await this.writer.apply(changes);
        fold.patch(changes, thread);
        logStatusChanges(deps.logger, written);
        return written;
      },
      abortable: (effect) => this.abortable(effect),
    };
  }

  private async abortable<T>(effect: (signal: AbortSignal) => Promise<T>): Promise<EffectResult<T>> {
    const ctrl = (this.current = new AbortController());
    if (this.stopped) ctrl.abort(SHUTDOWN);
    const cut = () => (ctrl.signal.aborted ? (ctrl.signal.reason as Cut) : undefined);
    try {
      const value = await effect(ctrl.signal);
      return { ok: true, value, cut: cut() };
    } catch (error) {
      return { ok: false, error, cut: cut() };
    } finally {
      this.current = undefined;
    }
  }
}

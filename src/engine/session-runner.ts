// Runs one session's agent loop while its lease is held: fold the log, decide, act, repeat.
// Every effect is recorded in the log before the loop decides again, so a restart resumes
// from the log alone.
import type { BetaMessage } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import type { FastifyBaseLogger } from 'fastify';
import type { EngineConfig } from '../config/config.js';
import type { Emit, EventLog } from '../events/event-log.js';
import { modelTraits } from '../domain/models.js';
import type { EnvironmentRecord, NewEvent, SessionRecord, Store } from '../store/types.js';
import { foldConversation, openCalls, type Conversation, type ToolCall } from '../domain/conversation.js';
import { decide, type Step } from '../domain/decide.js';
import { engineEvent, textContent } from './engine-events.js';
import type { RequestEndInternal, RequestStartInternal, ToolUseInternal } from '../domain/event-internal.js';
import type { ModelClient, ModelRequest } from './model/model-client.js';
import { backoffMs, classifyModelError } from './model/model-errors.js';
import { buildRequest } from './request.js';
import { compactionRequest, summaryOf } from './compaction.js';
import { evaluatePermission, resolveToolset } from './tools/toolset.js';
import type { RemoteWork, SandboxProvider, SessionSandbox } from '../sandbox/types.js';
import type { OutputCapture } from '../sandbox/outputs/capture-outputs.js';
import { addUsage, modelUsage } from './usage.js';
import { SessionLogCache } from './session-log-cache.js';

export interface RunnerDeps {
  store: Store;
  log: EventLog;
  model: ModelClient;
  config: EngineConfig;
  logger: FastifyBaseLogger;
  now: () => string;
  /** The session's sandbox for built-in tools (kept by the engine across turns). */
  sandbox: (...args: Parameters<SandboxProvider['open']>) => SessionSandbox;
  remoteWork: RemoteWork;
  /** Turns files written under /mnt/session/outputs into session-scoped files. */
  outputs: OutputCapture;
}

/** Why the current step was cut short. */
const INTERRUPT = 'interrupt';
const SHUTDOWN = 'shutdown';

export class SessionRunner {
  private step: AbortController | undefined;
  private stopped = false;
  /** Consecutive retryable model failures (reset by any success). */
  private retries = 0;
  private readonly log: SessionLogCache;

  constructor(
    private readonly deps: RunnerDeps,
    readonly sessionId: string,
  ) {
    this.log = new SessionLogCache(sessionId);
  }

  /** Stamps queued events processed, in the store (or transaction) and in the cached log. */
  private async markProcessed(store: Store, ids: string[], at: string): Promise<void> {
    await store.events.markProcessed(this.sessionId, ids, at);
    this.log.markProcessed(ids, at);
  }

  /** Called with newly committed events of this session. */
  notify(types: readonly string[]): void {
    if (types.includes('user.interrupt')) this.step?.abort(INTERRUPT);
  }

  stop(): void {
    this.stopped = true;
    this.step?.abort(SHUTDOWN);
  }

  async run(): Promise<void> {
    while (!this.stopped) {
      const session = await this.deps.store.sessions.find(this.sessionId);
      if (!session || session.archivedAt || session.status === 'terminated') return;
      const environment = await this.deps.store.environments.get(session.workspaceId, session.environmentId);
      if (!environment) return;
      const conversation = foldConversation(await this.log.refresh(this.deps.store));
      const step = decide(conversation, { remoteTools: environment.config.type === 'self_hosted' });
      if (!(await this.perform(step, session, environment, conversation))) return;
    }
  }

  private async perform(step: Step, session: SessionRecord, environment: EnvironmentRecord, c: Conversation): Promise<boolean> {
    switch (step.type) {
      case 'interrupt':
        return this.interrupt(c);
      case 'abandon_tools':
        await this.answer(c, step.calls, () => ({
          isError: true,
          text:
            'This tool call was cut off by a server restart before its result was recorded. It was not ' +
            'run again, to avoid repeating its side effects; check its effects and run it again if needed.',
        }));
        return true;
      case 'refuse_tools':
        await this.answer(c, step.calls, (call) => ({
          isError: true,
          text:
            call.confirmation?.result === 'deny'
              ? `The user denied permission to run ${call.name}.${call.confirmation.denyMessage ? ` Message from the user: ${call.confirmation.denyMessage}` : ''}`
              : `The tool ${call.name} is not enabled for this agent.`,
        }));
        return true;
      case 'run_tools':
        return this.runTools(session, environment, c, step.calls);
      case 'offer_remote':
        // A worker of the self-hosted environment runs them and answers with user.tool_result.
        await this.ensureRunning(c);
        await this.deps.remoteWork.offer(session);
        return false;
      case 'call_model':
        return this.callModel(session, c);
      case 'await_client': {
        const same = c.phase === 'idle' && JSON.stringify(c.waitingOn) === JSON.stringify(step.eventIds);
        if (!same) {
          await this.transition(c, 'idle', (emit, now) =>
            emit(this.sessionId, [
              engineEvent('session.status_idle', { stop_reason: { type: 'requires_action', event_ids: step.eventIds }, stop_details: null }, now),
            ]),
          );
        }
        return false;
      }
      case 'end_turn':
        if (c.phase !== 'idle' || c.waitingOn !== undefined) await this.idle(c, { type: 'end_turn' });
        return false;
    }
  }

  /** Writes events and the session's status in one transaction (stream and retrieve agree). */
  private async transition(
    c: Conversation,
    status: SessionRecord['status'] | undefined,
    write: (emit: Emit, now: string, tx: Store) => Promise<unknown>,
  ): Promise<void> {
    const now = this.deps.now();
    await this.deps.log.transaction(async (tx, emit) => {
      await write(emit, now, tx);
      if (status && status !== c.phase) await tx.sessions.setRuntime(this.sessionId, { status }, now);
    });
    if (status) c.phase = status;
  }

  private idle(c: Conversation, stopReason: Record<string, unknown>, internal?: unknown): Promise<void> {
    return this.transition(c, 'idle', (emit, now) =>
      emit(this.sessionId, [engineEvent('session.status_idle', { stop_reason: stopReason, stop_details: null }, now, internal)]),
    );
  }

  /** Emits session.status_running if the session is not already running. */
  private async ensureRunning(c: Conversation): Promise<void> {
    if (c.phase === 'running') return;
    await this.transition(c, 'running', (emit, now) => emit(this.sessionId, [engineEvent('session.status_running', {}, now)]));
  }

  private async interrupt(c: Conversation): Promise<boolean> {
    const ids = c.pendingInterrupts.map((e) => e.id);
    const hasOpenWork = openCalls(c).length > 0 || c.phase !== 'idle' || c.waitingOn !== undefined;
    if (!hasOpenWork) {
      await this.markProcessed(this.deps.store, ids, this.deps.now());
      return true;
    }
    await this.transition(c, 'idle', async (emit, now, tx) => {
      await this.markProcessed(tx, ids, now);
      await emit(this.sessionId, [
        engineEvent('session.status_idle', { stop_reason: { type: 'end_turn' }, stop_details: null }, now, { interrupted: true }),
      ]);
    });
    return true;
  }

  /** Records a result for each call, consuming any confirmation that led to it. */
  private async answer(c: Conversation, calls: ToolCall[], outcome: (call: ToolCall) => { isError: boolean; text: string }): Promise<void> {
    await this.ensureRunning(c);
    const confirmations = this.confirmationsFor(c, calls);
    await this.transition(c, undefined, async (emit, now, tx) => {
      await this.markProcessed(tx, confirmations, now);
      await emit(
        this.sessionId,
        calls.map((call) => {
          const o = outcome(call);
          return engineEvent('agent.tool_result', { tool_use_id: call.eventId, content: textContent(o.text), is_error: o.isError }, now);
        }),
      );
    });
  }

  private confirmationsFor(c: Conversation, calls: ToolCall[]): string[] {
    const ids = new Set(calls.map((call) => call.eventId));
    return c.pendingAnswers.filter((e) => ids.has(e.body.tool_use_id as string)).map((e) => e.id);
  }

  private async runTools(session: SessionRecord, environment: EnvironmentRecord, c: Conversation, calls: ToolCall[]): Promise<boolean> {
    await this.ensureRunning(c);
    const confirmations = this.confirmationsFor(c, calls);
    if (confirmations.length) await this.markProcessed(this.deps.store, confirmations, this.deps.now());
    const sandbox = this.deps.sandbox(session, environment);
    for (const call of calls) {
      // Durably mark the call started first: after a crash it is reported, never re-run.
      const internal: ToolUseInternal = { tool_use_id: call.toolUseId, kind: 'builtin', started: true };
      await this.deps.store.events.setInternal(this.sessionId, call.eventId, internal);
      this.log.setInternal(call.eventId, internal);
      const ctrl = (this.step = new AbortController());
      const outcome = await sandbox.run(call.name, call.input, call.toolUseId, ctrl.signal);
      this.step = undefined;
      // Before the result is recorded, so a client that sees it can already list the outputs.
      await this.deps.outputs.capture(session);
      if (ctrl.signal.aborted) return ctrl.signal.reason !== SHUTDOWN;
      await this.deps.log.append(this.sessionId, [
        engineEvent('agent.tool_result', { tool_use_id: call.eventId, content: outcome.content, is_error: outcome.isError }, this.deps.now()),
      ]);
    }
    return true;
  }

  private compactionThreshold(session: SessionRecord): number {
    return this.deps.config.compactionTokens ?? Math.floor(modelTraits(session.agent.model.id).contextWindow * 0.8);
  }

  private async callModel(session: SessionRecord, c: Conversation): Promise<boolean> {
    await this.ensureRunning(c);
    const toolset = resolveToolset(session.agent);
    if (c.messages.length > 0 && c.contextTokens > this.compactionThreshold(session)) {
      return this.compact(session, c, toolset.definitions);
    }
    const pending = c.pendingInputs;
    const consumed = [...pending.map((e) => e.id), ...c.pendingAnswers.map((e) => e.id)];
    const orphan = c.openRequestId;
    let startId = '';
    await this.transition(c, undefined, async (emit, now, tx) => {
      if (orphan) {
        // A request cut off by a crash: close its span so every start has an end.
        await emit(this.sessionId, [
          engineEvent('span.model_request_end', { is_error: true, model_request_start_id: orphan, model_usage: modelUsage(undefined) }, now),
        ]);
      }
      await this.markProcessed(tx, consumed, now);
      const start = engineEvent('span.model_request_start', {}, now, { consumed: pending.map((e) => e.id) } satisfies RequestStartInternal);
      startId = start.id;
      await emit(this.sessionId, [start]);
    });

    const request = buildRequest(session.agent, c, pending, toolset.definitions, { maxOutputTokens: this.deps.config.maxOutputTokens });
    const result = await this.complete(request);
    if ('error' in result) return this.modelFailed(c, startId, result.error, result.signal);
    this.retries = 0;
    await this.recordResponse(session, startId, result.message, toolset);
    return true;
  }

  /** One model call as the current step, so an interrupt or shutdown can abort it. */
  private async complete(
    request: ModelRequest,
  ): Promise<{ message: BetaMessage } | { error: unknown; signal: AbortSignal }> {
    const ctrl = (this.step = new AbortController());
    try {
      return { message: await this.deps.model.complete(request, ctrl.signal) };
    } catch (error) {
      return { error, signal: ctrl.signal };
    } finally {
      this.step = undefined;
    }
  }

  private async recordResponse(
    session: SessionRecord,
    startId: string,
    message: BetaMessage,
    toolset: ReturnType<typeof resolveToolset>,
  ): Promise<void> {
    const now = this.deps.now();
    const events: NewEvent[] = [];
    for (const block of message.content) {
      if (block.type === 'thinking' || block.type === 'redacted_thinking') {
        events.push(engineEvent('agent.thinking', {}, now));
      } else if (block.type === 'text') {
        if (block.text !== '') events.push(engineEvent('agent.message', { content: textContent(block.text) }, now));
      } else if (block.type === 'tool_use') {
        const input = (block.input ?? {}) as Record<string, unknown>;
        if (toolset.customNames.has(block.name)) {
          events.push(
            engineEvent('agent.custom_tool_use', { name: block.name, input }, now, { tool_use_id: block.id, kind: 'custom' } satisfies ToolUseInternal),
          );
        } else {
          const permission = evaluatePermission(toolset.builtins.get(block.name as never));
          events.push(
            engineEvent('agent.tool_use', { name: block.name, input, evaluated_permission: permission }, now, {
              tool_use_id: block.id,
              kind: 'builtin',
            } satisfies ToolUseInternal),
          );
        }
      }
    }
    const usage = modelUsage(message.usage);
    const contextTokens = usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens + usage.output_tokens;
    events.push(
      engineEvent('span.model_request_end', { is_error: false, model_request_start_id: startId, model_usage: usage }, now, {
        content: message.content,
        stop_reason: message.stop_reason,
        context_tokens: contextTokens,
      } satisfies RequestEndInternal),
    );
    await this.deps.log.transaction(async (tx, emit) => {
      await emit(this.sessionId, events);
      const current = await tx.sessions.find(this.sessionId);
      if (current) await tx.sessions.setRuntime(this.sessionId, { usage: addUsage(current.usage, message.usage) }, now);
    });
  }

  /** `startId` is the span of the failed request (none for a compaction call). */
  private async modelFailed(c: Conversation, startId: string | undefined, err: unknown, signal: AbortSignal): Promise<boolean> {
    const end = (now: string): NewEvent[] =>
      startId === undefined
        ? []
        : [engineEvent('span.model_request_end', { is_error: true, model_request_start_id: startId, model_usage: modelUsage(undefined) }, now)];
    if (signal.aborted) {
      if (signal.reason === SHUTDOWN) return false; // the next owner re-issues the request
      await this.deps.log.append(this.sessionId, end(this.deps.now()));
      return true;
    }
    const failure = classifyModelError(err);
    this.deps.logger.warn({ session_id: this.sessionId, err: failure.message, retryable: failure.retryable }, 'model call failed');
    if (failure.retryable && this.retries < this.deps.config.maxRetries) {
      const delay = backoffMs(this.retries++, this.deps.config.retryBaseMs, this.deps.config.retryMaxMs);
      await this.transition(c, 'rescheduling', (emit, now) =>
        emit(this.sessionId, [...end(now), engineEvent('session.status_rescheduled', {}, now)]),
      );
      return this.sleep(delay);
    }
    this.retries = 0;
    const retryStatus = failure.retryable ? 'exhausted' : 'terminal';
    await this.transition(c, 'idle', (emit, now) =>
      emit(this.sessionId, [
        ...end(now),
        engineEvent('session.error', { error: { type: failure.type, message: failure.message, retry_status: { type: retryStatus } } }, now),
        engineEvent('session.status_idle', { stop_reason: { type: 'retries_exhausted' }, stop_details: null }, now),
      ]),
    );
    return false;
  }

  /** Waits out a backoff; an interrupt ends the wait early, shutdown ends the run. */
  private async sleep(ms: number): Promise<boolean> {
    const ctrl = (this.step = new AbortController());
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      ctrl.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.step = undefined;
    return ctrl.signal.reason !== SHUTDOWN;
  }

  private async compact(session: SessionRecord, c: Conversation, tools: ReturnType<typeof resolveToolset>['definitions']): Promise<boolean> {
    const result = await this.complete(compactionRequest(session.agent, c, tools, this.deps.config.maxOutputTokens));
    if ('error' in result) return this.modelFailed(c, undefined, result.error, result.signal);
    const message = result.message;
    const summary = summaryOf(message);
    const now = this.deps.now();
    await this.deps.log.transaction(async (tx, emit) => {
      await emit(this.sessionId, [engineEvent('agent.thread_context_compacted', {}, now, { summary })]);
      const current = await tx.sessions.find(this.sessionId);
      if (current) await tx.sessions.setRuntime(this.sessionId, { usage: addUsage(current.usage, message.usage) }, now);
    });
    return true;
  }
}

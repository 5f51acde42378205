// Hand-written session logs for replay edge cases: each helper appends the events the engine (or
// a client) would have written, with deterministic ids and times.
import type { EventRecord, SessionEventType } from '../../../src/domain/records/event.js';
import type { DecideContext } from '../../../src/domain/decide.js';

export const T0 = Date.parse('2026-01-01T00:00:00.000Z');

export const context = (over: Partial<DecideContext> = {}): DecideContext => ({
  now: T0 + 60_000,
  remoteTools: false,
  compactAbove: 150_000,
  retry: { maxRetries: 3, baseMs: 1000, maxMs: 30_000 },
  budgetReached: false,
  maxToolRounds: 200,
  mountsPending: false,
  ...over,
});

export class LogBuilder {
  readonly log: EventRecord[] = [];
  private n = 0;

  /** Milliseconds after T0 the next event is written at. */
  clock = 0;
  /** The thread the next events are written on (null: the primary). */
  thread: string | null = null;

  private add(type: SessionEventType, fields: Record<string, unknown>, opts: { queued?: boolean; internal?: unknown } = {}): EventRecord {
    const seq = ++this.n;
    const id = `sevt_${String(seq).padStart(3, '0')}`;
    const at = new Date(T0 + this.clock++).toISOString();
    const record = {
      sessionId: 'sesn_replay',
      seq,
      id,
      threadId: this.thread,
      type,
      body: { id, type, ...fields },
      processedAt: opts.queued ? null : at,
      createdAt: at,
      ...(opts.internal === undefined ? {} : { internal: opts.internal }),
    } as EventRecord;
    this.log.push(record);
    return record;
  }

  /** Appends what a step wrote (its `LogChanges.events`), numbered like the others. */
  written(events: ReadonlyArray<{ type: SessionEventType; body: Record<string, unknown>; internal?: unknown }>): EventRecord[] {
    return events.map((e) => {
      const { id: _id, type: _type, ...fields } = e.body;
      return this.add(e.type, fields, e.internal === undefined ? {} : { internal: e.internal });
    });
  }
  user(text: string, queued = false) {
    return this.add('user.message', { content: [{ type: 'text', text }] }, { queued });
  }
  interrupt() {
    return this.add('user.interrupt', {}, { queued: true });
  }
  confirm(toolUseId: string, result: 'allow' | 'deny', queued = true) {
    return this.add('user.tool_confirmation', { tool_use_id: toolUseId, result }, { queued });
  }
  customResult(callId: string, text: string, queued = true) {
    return this.add('user.custom_tool_result', { custom_tool_use_id: callId, content: [{ type: 'text', text }] }, { queued });
  }
  running() {
    return this.add('session.status_running', {});
  }
  /** A session.usage snapshot (its figures do not matter to the fold). */
  usage() {
    return this.add('session.usage', { usage: { input_tokens: 1, output_tokens: 1, active_seconds: 1, list_cost: { amount: '1', currency: 'USD' } }, budget: null });
  }
  rescheduled() {
    return this.add('session.status_rescheduled', {});
  }
  idle(stopReason: Record<string, unknown> = { type: 'end_turn' }, internal?: { interrupted: boolean }) {
    return this.add('session.status_idle', { stop_reason: stopReason, stop_details: null }, { internal });
  }
  /** span.model_request_start consuming `inputs`. */
  start(...inputs: EventRecord[]) {
    return this.add('span.model_request_start', {}, { internal: { consumed: inputs.map((e) => e.id) } });
  }
  /** A successful response: its text, tool_use ids, and how big the context was. */
  end(start: EventRecord, opts: { text?: string; toolUses?: string[]; contextTokens?: number } = {}) {
    const content = [
      ...(opts.text ? [{ type: 'text', text: opts.text }] : []),
      ...(opts.toolUses ?? []).map((id) => ({ type: 'tool_use', id, name: 'bash', input: { command: 'true' } })),
    ];
    const usage = { input_tokens: opts.contextTokens ?? 100, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    return this.add(
      'span.model_request_end',
      { is_error: false, model_request_start_id: start.id, model_usage: usage },
      { internal: { content, stop_reason: opts.toolUses?.length ? 'tool_use' : 'end_turn', context_tokens: opts.contextTokens ?? 100 } },
    );
  }
  failedEnd(start: EventRecord) {
    const usage = { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    return this.add('span.model_request_end', { is_error: true, model_request_start_id: start.id, model_usage: usage });
  }
  toolUse(toolUseId: string, opts: { permission?: 'allow' | 'ask' | 'deny'; started?: boolean; name?: 'bash' | 'read' } = {}) {
    const input = opts.name === 'read' ? { file_path: '/workspace/a.txt' } : { command: 'true' };
    return this.add(
      'agent.tool_use',
      { name: opts.name ?? 'bash', input, evaluated_permission: opts.permission ?? 'allow' },
      { internal: { tool_use_id: toolUseId, kind: 'builtin', ...(opts.started ? { started: true } : {}) } },
    );
  }
  mcpToolUse(toolUseId: string, opts: { permission?: 'allow' | 'ask' | 'deny'; started?: boolean } = {}) {
    return this.add(
      'agent.mcp_tool_use',
      { name: 'add', mcp_server_name: 'calc', input: { a: 1, b: 2 }, evaluated_permission: opts.permission ?? 'allow' },
      { internal: { tool_use_id: toolUseId, kind: 'mcp', ...(opts.started ? { started: true } : {}) } },
    );
  }
  mcpResult(call: EventRecord, text = '3') {
    return this.add('agent.mcp_tool_result', { mcp_tool_use_id: call.id, content: [{ type: 'text', text }], is_error: false });
  }
  customToolUse(toolUseId: string) {
    return this.add('agent.custom_tool_use', { name: 'lookup', input: {} }, { internal: { tool_use_id: toolUseId, kind: 'custom' } });
  }
  toolResult(call: EventRecord, text = 'ok') {
    return this.add('agent.tool_result', { tool_use_id: call.id, content: [{ type: 'text', text }], is_error: false });
  }
  defineOutcome(maxIterations = 3, queued = true) {
    return this.add(
      'user.define_outcome',
      { description: 'Write it', rubric: { type: 'text', content: '- it exists' }, max_iterations: maxIterations, outcome_id: 'outc_1' },
      { queued },
    );
  }
  evaluationStart(iteration: number) {
    return this.add('span.outcome_evaluation_start', { outcome_id: 'outc_1', iteration });
  }
  evaluationEnd(start: EventRecord, iteration: number, result: string, explanation = 'why') {
    const usage = { input_tokens: 10, output_tokens: 2, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
    return this.add('span.outcome_evaluation_end', { outcome_evaluation_start_id: start.id, outcome_id: 'outc_1', iteration, result, explanation, usage });
  }
  /** The coordinator's call_agent call (`started` once delegated to `thread`). */
  delegateCall(toolUseId: string, input: Record<string, unknown>, thread?: string) {
    return this.add('agent.tool_use', { name: 'call_agent', input, evaluated_permission: 'allow' }, {
      internal: { tool_use_id: toolUseId, kind: 'delegate', ...(thread ? { started: true, thread } : {}) },
    });
  }
  /** A delegation to a new thread: created, message sent (for `call`), its input queued. */
  delegated(call: EventRecord, thread: string, agentName = 'Reviewer', text = 'review it') {
    const saved = this.thread;
    this.thread = thread;
    this.add('session.thread_created', { session_thread_id: thread, agent_name: agentName, workflow_run_id: null }, {
      internal: { agent: { type: 'agent', id: 'agent_r', version: 1, name: agentName, tools: [], model: { id: 'claude-opus-4-8' }, system: null } },
    });
    this.thread = saved;
    this.add('agent.thread_message_sent', { to_session_thread_id: thread, to_agent_name: agentName, content: [{ type: 'text', text }] }, { internal: { call: call.id } });
    this.thread = thread;
    const input = this.add('user.message', { content: [{ type: 'text', text }] }, { queued: true });
    this.thread = saved;
    return input;
  }
  threadStatus(thread: string, status: 'running' | 'idle', stopReason: Record<string, unknown> = { type: 'end_turn' }) {
    const saved = this.thread;
    this.thread = thread;
    const e =
      status === 'running'
        ? this.add('session.thread_status_running', { session_thread_id: thread, agent_name: 'Reviewer' })
        : this.add('session.thread_status_idle', { session_thread_id: thread, agent_name: 'Reviewer', stop_reason: stopReason, stop_details: null });
    this.thread = saved;
    return e;
  }
  compacted(summary: string) {
    return this.add('agent.thread_context_compacted', {}, { internal: { summary } });
  }
}

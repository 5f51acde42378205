// Hand-written logs for what crashes, restarts and races leave behind, mapped to the step the
// engine must take next (and, where the step writes, to what it writes). Pure: no server, no I/O.
import { describe, expect, it } from 'vitest';
import type { BetaMessage } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import { compactionLimitReached, modelFailed, recordResponse, startRequest, toolUseLimitReached } from '../../../src/domain/changes/model.js';
import { toolPolicies } from '../../../src/domain/permissions.js';
import { packagesFailed } from '../../../src/domain/changes/packages.js';
import { isEmpty } from '../../../src/domain/changes/log-changes.js';
import { startTool } from '../../../src/domain/changes/tools.js';
import { decide, MAX_COMPACTIONS_IN_A_ROW } from '../../../src/domain/decide.js';
import { foldLog } from '../../../src/domain/fold.js';
import { retryDueAt } from '../../../src/domain/retry.js';
import { primaryThread } from '../../../src/domain/session-state.js';
import { context, LogBuilder, T0 } from './log-builder.js';
import { summarize } from './fixture.js';

const next = (b: LogBuilder, over: Parameters<typeof context>[0] = {}) => summarize(decide(foldLog(b.log), context(over)));
const env = (ms: number) => {
  let n = 0;
  return { at: new Date(ms).toISOString(), newId: (p: string) => `${p}_new${++n}` };
};

/** A turn that asked for one built-in tool (`toolu_1`), through its response. */
function toolTurn(opts: Parameters<LogBuilder['toolUse']>[1] = {}) {
  const b = new LogBuilder();
  const message = b.user('run it');
  b.running();
  const start = b.start(message);
  const call = b.toolUse('toolu_1', opts);
  b.end(start, { toolUses: ['toolu_1'] });
  return { b, call, start };
}

describe('replay: edge cases', () => {
  it('a tool cut off mid-flight (started, no result) is abandoned, never run again', () => {
    const { b, call } = toolTurn({ started: true });
    expect(next(b)).toEqual({ type: 'abandon_tools', thread: 'primary', calls: [call.id] });
    // A self-hosted worker owns its calls: nothing is abandoned on its behalf.
    expect(next(b, { remoteTools: true })).toEqual({ type: 'await_client', thread: 'primary', eventIds: [call.id] });
  });

  it('a read-only call is not marked started (nothing to repeat): cut off by a crash, it runs again', () => {
    const { b, call } = toolTurn({ name: 'read' });
    const t = primaryThread(foldLog(b.log));
    const start = startTool(t, t.calls[0]!, env(T0));
    // The thread is running and nothing awaits a stamp: the step writes nothing before the call.
    expect(isEmpty(start)).toBe(true);
    expect(next(b)).toMatchObject({ type: 'run_tool', call: call.id });
    // A call that can change something is marked, so it is never run twice.
    const bash = toolTurn();
    const bashThread = primaryThread(foldLog(bash.b.log));
    expect(startTool(bashThread, bashThread.calls[0]!, env(T0)).internals).toEqual([
      { id: bash.call.id, internal: { tool_use_id: 'toolu_1', kind: 'builtin', started: true } },
    ]);
  });

  it('a cleared call that never started runs (once), and the next model call follows its result', () => {
    const { b, call } = toolTurn();
    expect(next(b)).toMatchObject({ type: 'run_tool', call: call.id });
    expect(next(b, { remoteTools: true })).toMatchObject({ type: 'offer_remote', calls: [call.id] });
    b.toolResult(call);
    expect(next(b)).toEqual({ type: 'call_model', thread: 'primary' });
  });

  it("provider server tools: a use opens no call (the turn ends); a paused turn is called again and its result finds the use", () => {
    const response = (content: unknown[], stop_reason: string) =>
      ({ id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', content, stop_reason, stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } }) as unknown as BetaMessage;
    const policies = toolPolicies({ tools: [{ type: 'agent_toolset_20260401', default_config: { enabled: true, permission_policy: { type: 'always_allow' } }, configs: [] }] as never });
    const b = new LogBuilder();
    const message = b.user('search');
    b.running();
    const first = b.start(message);
    const use = { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'q' } };
    const paused = recordResponse(primaryThread(foldLog(b.log)), first.id, response([use], 'pause_turn'), policies, env(T0 + 1000));
    const [useEvent] = b.written(paused.events);
    expect(useEvent).toMatchObject({ type: 'agent.tool_use', body: { name: 'web_search', evaluated_permission: 'allow' }, internal: { kind: 'server' } });
    // Nothing to run or confirm: the paused turn goes back to the provider.
    expect(next(b)).toEqual({ type: 'call_model', thread: 'primary' });
    const second = b.start();
    const result = { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [{ type: 'web_search_result', url: 'https://a.example/', title: 'A', encrypted_content: 'x', page_age: null }] };
    const done = recordResponse(primaryThread(foldLog(b.log)), second.id, response([result, { type: 'text', text: 'found' }], 'end_turn'), policies, env(T0 + 2000));
    expect(done.events.map((e) => e.type)).toEqual(['agent.tool_result', 'agent.message', 'span.model_request_end']);
    expect(done.events[0]).toMatchObject({ body: { tool_use_id: useEvent!.id, content: [{ type: 'search_result', source: 'https://a.example/', title: 'A' }] } });
    b.written(done.events);
    expect(next(b)).toEqual({ type: 'end_turn', thread: 'primary' });
    // Both turns are replayed as the provider returned them.
    expect(primaryThread(foldLog(b.log)).messages.slice(1).map((m) => (m.content as Array<{ type: string }>).map((c) => c.type))).toEqual([
      ['server_tool_use'],
      ['web_search_tool_result', 'text'],
    ]);
  });

  it('the tool-use round limit: the loop stops once (idle stays idle); new input starts a new turn', () => {
    const b = new LogBuilder();
    const message = b.user('loop');
    b.running();
    for (let round = 1; round <= 2; round++) {
      const start = round === 1 ? b.start(message) : b.start();
      const call = b.toolUse(`toolu_${round}`);
      b.end(start, { toolUses: [`toolu_${round}`] });
      b.toolResult(call);
    }
    expect(next(b, { maxToolRounds: 3 })).toEqual({ type: 'call_model', thread: 'primary' });
    expect(next(b, { maxToolRounds: 2 })).toEqual({ type: 'tool_use_limit', thread: 'primary' });
    const changes = toolUseLimitReached(primaryThread(foldLog(b.log)), 2, env(T0));
    expect(changes.events.map((e) => e.type)).toEqual(['session.error', 'session.status_idle']);
    expect(changes.events[0]).toMatchObject({ body: { error: { type: 'tool_use_limit_reached_error', retry_status: { type: 'exhausted' } } } });
    expect(changes.events[1]).toMatchObject({ body: { stop_reason: { type: 'retries_exhausted' } } });
    b.written(changes.events);
    expect(next(b, { maxToolRounds: 2 })).toEqual({ type: 'done' });
    b.user('again', true);
    expect(next(b, { maxToolRounds: 2 })).toEqual({ type: 'call_model', thread: 'primary' });
  });

  it("the environment's packages failed to install: every call of the response is answered, the turn ends without a model call", () => {
    const b = new LogBuilder();
    const message = b.user('run both');
    b.running();
    const start = b.start(message);
    const first = b.toolUse('toolu_1', { started: true });
    const second = b.toolUse('toolu_2');
    b.end(start, { toolUses: ['toolu_1', 'toolu_2'] });
    const t = primaryThread(foldLog(b.log));
    const changes = packagesFailed(t, t.calls[0]!, 'pip failed to install nosuch', env(T0 + 1000));
    expect(changes.events.map((e) => e.type)).toEqual(['agent.tool_result', 'agent.tool_result', 'session.error', 'session.status_idle']);
    expect(changes.events.slice(0, 2).map((e) => e.body)).toEqual([
      expect.objectContaining({ tool_use_id: first.id, is_error: true }),
      expect.objectContaining({ tool_use_id: second.id, is_error: true }),
    ]);
    expect(changes.events[2]!.body).toMatchObject({
      error: { type: 'unknown_error', message: "the environment's packages could not be installed: pip failed to install nosuch", retry_status: { type: 'exhausted' } },
    });
    expect(changes.events[3]!.body).toMatchObject({ stop_reason: { type: 'retries_exhausted' } });
    b.written(changes.events);
    expect(next(b)).toEqual({ type: 'done' });
    // The next message starts a new turn (whose first tool tries the install again).
    b.user('again', true);
    expect(next(b)).toEqual({ type: 'call_model', thread: 'primary' });
  });

  it('a model call cut off by a crash is closed and re-issued, with input queued meanwhile', () => {
    const b = new LogBuilder();
    const first = b.user('first');
    b.running();
    const start = b.start(first);
    const second = b.user('second', true);
    expect(next(b)).toEqual({ type: 'call_model', thread: 'primary', closeSpan: start.id });
    const t = primaryThread(foldLog(b.log));
    const { changes } = startRequest(t, start.id, env(T0 + 1000));
    expect(changes.events.map((e) => e.type)).toEqual(['span.model_request_end', 'span.model_request_start']);
    expect(changes.events[0]).toMatchObject({ body: { is_error: true, model_request_start_id: start.id } });
    expect(changes.processed).toEqual([second.id]);
    expect(changes.status).toBeUndefined(); // still running: no second status_running
  });

  it('retries keep their budget across a restart: the wait is derived from the log, then the budget is spent', () => {
    const b = new LogBuilder();
    const message = b.user('hello');
    b.running();
    for (let attempt = 0; attempt < 3; attempt++) {
      const start = attempt === 0 ? b.start(message) : b.start();
      b.failedEnd(start);
      b.rescheduled();
      if (attempt < 2) b.running();
    }
    const state = foldLog(b.log);
    const t = primaryThread(state);
    expect(t.retries?.count).toBe(3);
    const due = retryDueAt(t.retries!, context().retry);
    const lastAt = Date.parse(b.log.at(-1)!.createdAt);
    // Exponential with full jitter: the third retry waits between 2 and 4 s after it was scheduled.
    expect(due - lastAt).toBeGreaterThanOrEqual(2000);
    expect(due - lastAt).toBeLessThanOrEqual(4000);
    expect(next(b, { now: lastAt + 1 })).toEqual({ type: 'wait', thread: 'primary', until: due });
    expect(next(b, { now: due })).toEqual({ type: 'call_model', thread: 'primary' });

    // The restarted engine's next failure finds the budget spent: error, then idle.
    const failed = modelFailed(t, 'sevt_retry', { retryable: true, type: 'model_overloaded_error', message: '529' }, context().retry, env(due));
    expect(failed.events.map((e) => e.type)).toEqual(['span.model_request_end', 'session.error', 'session.status_idle']);
    expect(failed.events[1]).toMatchObject({ body: { error: { type: 'model_overloaded_error', retry_status: { type: 'exhausted' } } } });
    expect(failed.events[2]).toMatchObject({ body: { stop_reason: { type: 'retries_exhausted' } } });
    expect(failed.status).toBe('idle');
  });

  it('a failure within the budget is rescheduled; a non-retryable one ends the turn at once', () => {
    const b = new LogBuilder();
    const message = b.user('hello');
    b.running();
    const start = b.start(message);
    const t = primaryThread(foldLog(b.log));
    const retry = modelFailed(t, start.id, { retryable: true, type: 'model_rate_limited_error', message: '429' }, context().retry, env(T0));
    expect(retry.events.map((e) => e.type)).toEqual(['span.model_request_end', 'session.error', 'session.status_rescheduled']);
    expect(retry.events[1]).toMatchObject({ body: { error: { type: 'model_rate_limited_error', retry_status: { type: 'retrying' } } } });
    expect(retry.status).toBe('rescheduling');
    // Not retryable: the turn is over (exhausted), not the session (never terminal).
    const failed = modelFailed(t, start.id, { retryable: false, type: 'model_request_failed_error', message: '400' }, context().retry, env(T0));
    expect(failed.events.map((e) => e.type)).toEqual(['span.model_request_end', 'session.error', 'session.status_idle']);
    expect(failed.events[1]).toMatchObject({ body: { error: { retry_status: { type: 'exhausted' } } } });
    expect(failed.events[2]).toMatchObject({ body: { stop_reason: { type: 'retries_exhausted' } } });
    expect(failed.status).toBe('idle');
  });

  it('a successful call resets the retry run; a new turn starts with the full budget', () => {
    const b = new LogBuilder();
    const message = b.user('hello');
    b.running();
    b.failedEnd(b.start(message));
    b.rescheduled();
    b.running();
    b.end(b.start(), { text: 'done' });
    expect(primaryThread(foldLog(b.log)).retries).toBeUndefined();
    expect(next(b)).toEqual({ type: 'end_turn', thread: 'primary' });
  });

  it('an interrupt during a model call stops the turn; the next message starts a fresh request', () => {
    const b = new LogBuilder();
    const message = b.user('write a lot');
    b.running();
    const start = b.start(message);
    b.failedEnd(start); // the aborted stream's span
    const interrupt = b.interrupt();
    expect(next(b)).toEqual({ type: 'interrupt', thread: 'primary', interruptIds: [interrupt.id], stopTurn: true });
    b.log.at(-1)!.processedAt = b.log.at(-1)!.createdAt;
    b.idle({ type: 'end_turn' }, { interrupted: true });
    expect(next(b)).toEqual({ type: 'done' });
    b.user('short one', true);
    expect(next(b)).toEqual({ type: 'call_model', thread: 'primary' });
  });

  it('an interrupt with nothing under way is only stamped', () => {
    const b = new LogBuilder();
    const interrupt = b.interrupt();
    expect(next(b)).toEqual({ type: 'interrupt', thread: 'primary', interruptIds: [interrupt.id], stopTurn: false });
  });

  it('a confirmation pending: announce once, then wait; allow runs the call, deny refuses it', () => {
    const { b, call } = toolTurn({ permission: 'ask' });
    expect(next(b)).toEqual({ type: 'await_client', thread: 'primary', eventIds: [call.id] });
    b.idle({ type: 'requires_action', event_ids: [call.id] });
    expect(next(b)).toEqual({ type: 'done' });

    const allowed = new LogBuilder();
    allowed.log.push(...b.log);
    allowed.confirm(call.id, 'allow');
    expect(summarize(decide(foldLog(allowed.log), context()))).toMatchObject({ type: 'run_tool', call: call.id });

    const denied = new LogBuilder();
    denied.log.push(...b.log);
    denied.confirm(call.id, 'deny');
    expect(summarize(decide(foldLog(denied.log), context()))).toMatchObject({ type: 'refuse_tools', calls: [call.id] });
  });

  it('an interrupt voids calls waiting on the client; the model later sees them as interrupted', () => {
    const b = new LogBuilder();
    const message = b.user('look it up');
    b.running();
    const start = b.start(message);
    const call = b.customToolUse('toolu_c');
    b.end(start, { toolUses: ['toolu_c'] });
    b.idle({ type: 'requires_action', event_ids: [call.id] });
    b.idle({ type: 'end_turn' }, { interrupted: true });
    b.user('never mind', true);
    const state = foldLog(b.log);
    expect(decide(state, context())).toEqual({ type: 'call_model', thread: 'primary' });
    const last = primaryThread(state).messages.at(-1)!;
    expect(last.content).toEqual([expect.objectContaining({ type: 'tool_result', tool_use_id: 'toolu_c', is_error: true })]);
  });

  it('compaction boundary: over the threshold the next model call compacts first; after it, the summary is the history', () => {
    const b = new LogBuilder();
    const first = b.user('first question');
    b.running();
    b.end(b.start(first), { text: 'a long answer', contextTokens: 6000 });
    b.idle();
    b.user('second question', true);
    expect(next(b, { compactAbove: 5000 })).toEqual({ type: 'compact', thread: 'primary' });
    b.running();
    b.compacted('the user asked two things');
    const state = foldLog(b.log);
    expect(decide(state, context({ compactAbove: 5000 }))).toEqual({ type: 'call_model', thread: 'primary' });
    const t = primaryThread(state);
    expect(t.messages).toHaveLength(1);
    expect(JSON.stringify(t.messages)).not.toContain('first question');
    expect(t.pendingInputs.map((e) => e.type)).toEqual(['user.message']);
  });

  it('compaction that never fits stops after MAX_COMPACTIONS_IN_A_ROW with one session.error; new input starts over', () => {
    const b = new LogBuilder();
    const first = b.user('first question');
    b.running();
    b.end(b.start(first), { text: 'a long answer', contextTokens: 6000 });
    b.idle();
    b.user('second question', true);
    b.running();
    const long = 'x'.repeat(40_000); // ~10,000 tokens: over the threshold again after every compaction
    for (let i = 0; i < MAX_COMPACTIONS_IN_A_ROW; i++) {
      expect(next(b, { compactAbove: 5000 })).toEqual({ type: 'compact', thread: 'primary' });
      b.compacted(long);
    }
    expect(next(b, { compactAbove: 5000 })).toEqual({ type: 'compaction_limit', thread: 'primary' });
    const t = primaryThread(foldLog(b.log));
    const changes = compactionLimitReached(t, MAX_COMPACTIONS_IN_A_ROW, env(T0));
    expect(changes.events.map((e) => e.type)).toEqual(['session.error', 'session.status_idle']);
    expect(changes.events[0]).toMatchObject({ body: { error: { type: 'compaction_limit_reached_error', retry_status: { type: 'exhausted' } } } });
    expect(changes.events[1]).toMatchObject({ body: { stop_reason: { type: 'retries_exhausted' } } });
    b.idle({ type: 'retries_exhausted' });
    // Reported once: idle, the queued input waits for the next message.
    expect(next(b, { compactAbove: 5000 })).toEqual({ type: 'done' });
    b.user('third question', true);
    expect(next(b, { compactAbove: 5000 })).toEqual({ type: 'compact', thread: 'primary' });
  });

  it('folding incrementally gives the same state as folding the whole log', () => {
    const { b, call } = toolTurn({ permission: 'ask' });
    b.idle({ type: 'requires_action', event_ids: [call.id] });
    b.confirm(call.id, 'allow');
    const whole = foldLog(b.log);
    const stepwise = foldLog(b.log.slice(0, 3));
    foldLog(b.log.slice(3), stepwise);
    expect(stepwise).toEqual(whole);
  });

  it('MCP calls: run on the server in every environment, asked or refused like built-ins, never run twice', () => {
    const turn = (opts: Parameters<LogBuilder['mcpToolUse']>[1] = {}) => {
      const b = new LogBuilder();
      const message = b.user('add');
      b.running();
      const start = b.start(message);
      const call = b.mcpToolUse('toolu_m1', opts);
      b.end(start, { toolUses: ['toolu_m1'] });
      return { b, call };
    };
    const cleared = turn();
    expect(next(cleared.b)).toEqual({ type: 'run_mcp_tool', thread: 'primary', call: cleared.call.id });
    // Self-hosted workers run built-in tools only: MCP calls still run here.
    expect(next(cleared.b, { remoteTools: true })).toEqual({ type: 'run_mcp_tool', thread: 'primary', call: cleared.call.id });
    cleared.b.mcpResult(cleared.call);
    expect(next(cleared.b)).toMatchObject({ type: 'call_model' });

    const cut = turn({ started: true });
    expect(next(cut.b)).toEqual({ type: 'abandon_tools', thread: 'primary', calls: [cut.call.id] });
    expect(next(cut.b, { remoteTools: true })).toEqual({ type: 'abandon_tools', thread: 'primary', calls: [cut.call.id] });

    const asked = turn({ permission: 'ask' });
    expect(next(asked.b)).toEqual({ type: 'await_client', thread: 'primary', eventIds: [asked.call.id] });
    asked.b.confirm(asked.call.id, 'deny');
    expect(next(asked.b)).toEqual({ type: 'refuse_tools', thread: 'primary', calls: [asked.call.id] });
    const allowed = turn({ permission: 'ask' });
    allowed.b.confirm(allowed.call.id, 'allow');
    expect(next(allowed.b)).toEqual({ type: 'run_mcp_tool', thread: 'primary', call: allowed.call.id });
  });

  it('a budget pause: a raise alone starts no turn (a sweep may wake the runner); the next message continues with the parked input', () => {
    const b = new LogBuilder();
    const one = b.user('one');
    b.running();
    const start = b.start(one);
    b.end(start, { text: 'expensive' });
    b.idle();
    // Over budget: 'two' stays queued, the session idles budget_reached (once).
    const two = b.user('two', true);
    expect(next(b, { budgetReached: true })).toEqual({ type: 'budget_reached', thread: 'primary' });
    b.idle({ type: 'budget_reached' });
    expect(next(b, { budgetReached: true })).toEqual({ type: 'done' });
    // Raised: 'two' alone does not call the model, whatever woke the runner.
    expect(next(b)).toEqual({ type: 'done' });
    // A message after the raise: one call, with both.
    const three = b.user('three', true);
    expect(next(b)).toEqual({ type: 'call_model', thread: 'primary' });
    expect(primaryThread(foldLog(b.log)).pendingInputs.map((e) => e.id)).toEqual([two.id, three.id]);
    // Still over budget (not raised): the message waits too, without a second announcement.
    expect(next(b, { budgetReached: true })).toEqual({ type: 'done' });
    // A turn that runs clears the pause.
    b.running();
    b.start(two, three);
    expect(primaryThread(foldLog(b.log)).budgetStopped).toBe(false);
  });
});

// Multi-agent logs mapped to the engine's next step: delegation, the coordinator waiting on its
// threads, a thread's request for the client surfacing on the session, a thread's answer, and an
// interrupt reaching every thread. Pure: no server.
import { describe, expect, it } from 'vitest';
import { endTurn, idle } from '../../../src/domain/changes/turn.js';
import { delegate } from '../../../src/domain/changes/threads.js';
import { decide } from '../../../src/domain/decide.js';
import { planDelegation, type RosterAgent } from '../../../src/domain/delegation.js';
import { foldLog } from '../../../src/domain/fold.js';
import { primaryThread } from '../../../src/domain/session-state.js';
import { summarize } from './fixture.js';
import { context, LogBuilder, T0 } from './log-builder.js';

const next = (b: LogBuilder) => summarize(decide(foldLog(b.log), context()));
const env = () => {
  let n = 0;
  return { at: new Date(T0 + 5000).toISOString(), newId: (p: string) => `${p}_new${++n}` };
};
const roster: RosterAgent[] = [{ id: 'agent_r', version: 1, agent: { name: 'Reviewer' } as never }];

/** The coordinator asked for a review; the call is delegated to thread sthr_1 when `delegated`. */
function coordinatorTurn(delegated: boolean) {
  const b = new LogBuilder();
  const message = b.user('get it reviewed');
  b.running();
  const start = b.start(message);
  const call = b.delegateCall('toolu_c1', { agent: 'Reviewer', message: 'review it' }, delegated ? 'sthr_1' : undefined);
  b.end(start, { toolUses: ['toolu_c1'] });
  return { b, call };
}

describe('replay: threads', () => {
  it('a call_agent call is delegated once; a crash after the delegation is recorded never delegates twice', () => {
    const { b, call } = coordinatorTurn(false);
    expect(next(b)).toMatchObject({ type: 'delegate', thread: 'primary', call: call.id });
    const s = foldLog(b.log);
    const plan = planDelegation(s, s.calls.get(call.id)!, roster);
    expect(plan).toMatchObject({ kind: 'new', message: 'review it' });
    if (plan.kind === 'refuse') throw new Error('refused');
    const changes = delegate(s.calls.get(call.id)!, plan, env());
    expect(changes.events.map((e) => [e.type, e.threadId, e.processedAt === null])).toEqual([
      ['session.thread_created', 'sthr_new1', false],
      ['agent.thread_message_sent', null, false],
      ['user.message', 'sthr_new1', true],
    ]);
    expect(changes.events[0]).toMatchObject({ crossPosted: true });
    expect(changes.internals).toEqual([{ id: call.id, internal: { tool_use_id: 'toolu_c1', kind: 'delegate', started: true, thread: 'sthr_new1' } }]);

    const again = coordinatorTurn(true);
    again.b.delegated(again.call, 'sthr_1');
    // The coordinator waits (still running); the thread takes its first step.
    expect(next(again.b)).toEqual({ type: 'call_model', thread: 'sthr_1' });
  });

  it('refuses an unknown agent or a follow-up to a busy thread, as the tool error the coordinator reads', () => {
    const { b, call } = coordinatorTurn(false);
    const s = foldLog(b.log);
    const c = s.calls.get(call.id)!;
    expect(planDelegation(s, { ...c, input: { agent: 'Nobody', message: 'x' } }, roster)).toMatchObject({ kind: 'refuse' });
    expect(planDelegation(s, { ...c, input: { agent: 'Reviewer', message: '' } }, roster)).toMatchObject({ kind: 'refuse' });
    b.delegated(call, 'sthr_1');
    const s2 = foldLog(b.log);
    expect(planDelegation(s2, { ...c, input: { agent: 'Reviewer', message: 'more', thread_id: 'sthr_1' } }, roster)).toMatchObject({
      kind: 'refuse',
      text: expect.stringContaining('still working'),
    });
  });

  it('a thread waiting for the client makes the session wait on its request; an answer there resumes the session', () => {
    const { b, call } = coordinatorTurn(true);
    const input = b.delegated(call, 'sthr_1');
    b.threadStatus('sthr_1', 'running');
    b.thread = 'sthr_1';
    const childStart = b.start(input);
    const use = b.toolUse('toolu_x', { permission: 'ask' });
    b.end(childStart, { toolUses: ['toolu_x'] });
    b.thread = null;
    expect(next(b)).toEqual({ type: 'await_client', thread: 'sthr_1', eventIds: [use.id] });
    b.threadStatus('sthr_1', 'idle', { type: 'requires_action', event_ids: [use.id] });
    expect(next(b)).toEqual({ type: 'await_client', thread: 'primary', eventIds: [use.id] });
    b.idle({ type: 'requires_action', event_ids: [use.id] });
    expect(next(b)).toEqual({ type: 'done' });
    b.confirm(use.id, 'allow');
    // The answer routes to the thread of the call it answers.
    expect(next(b)).toMatchObject({ type: 'run_tool', thread: 'sthr_1', call: use.id });
    b.threadStatus('sthr_1', 'running');
    expect(next(b)).toEqual({ type: 'resume', thread: 'primary' });
  });

  it('a thread that ends its turn answers the coordinator in the same write; a failed one reports the failure', () => {
    const { b, call } = coordinatorTurn(true);
    const input = b.delegated(call, 'sthr_1');
    b.threadStatus('sthr_1', 'running');
    b.thread = 'sthr_1';
    b.end(b.start(input), { text: 'Looks good.' });
    b.thread = null;
    expect(next(b)).toEqual({ type: 'end_turn', thread: 'sthr_1' });
    const s = foldLog(b.log);
    const child = s.threads.get('sthr_1')!;
    const answered = endTurn(child, env());
    expect(answered.events.map((e) => e.type)).toEqual(['session.thread_status_idle', 'agent.thread_message_received', 'agent.tool_result']);
    expect(answered.events[2]).toMatchObject({ threadId: null, body: { tool_use_id: call.id, is_error: false } });
    expect(JSON.stringify(answered.events[1]!.body)).toContain('Looks good.');
    expect(answered.status).toBeUndefined(); // the session's status is the coordinator's
    const failed = idle(child, { type: 'retries_exhausted' }, env());
    expect(failed.events[2]).toMatchObject({ body: { is_error: true } });
    // Waiting for the client is not an answer.
    expect(idle(child, { type: 'requires_action', event_ids: ['x'] }, env()).events.map((e) => e.type)).toEqual(['session.thread_status_idle']);
  });

  it('an interrupt of the session names every thread at work, including one that has not started', () => {
    const { b, call } = coordinatorTurn(true);
    b.delegated(call, 'sthr_1');
    const interrupt = b.interrupt();
    expect(next(b)).toEqual({ type: 'interrupt', thread: 'primary', interruptIds: [interrupt.id], stopTurn: true, threads: ['sthr_1'] });
    expect(primaryThread(foldLog(b.log)).status).toBe('running');
  });
});

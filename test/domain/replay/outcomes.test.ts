// Outcome logs mapped to the engine's next step: grading after a turn ends (never while tools or
// input are pending), re-grading under the same span after a crash, the loop after needs_revision,
// the last iteration, and interrupts. Pure: no server.
import { describe, expect, it } from 'vitest';
import { endEvaluation, graderFailed, interruptTurn, startEvaluation } from '../../../src/domain/changes/outcome.js';
import { startRequest } from '../../../src/domain/changes/model.js';
import { decide } from '../../../src/domain/decide.js';
import { foldLog } from '../../../src/domain/fold.js';
import { parseVerdict, workTranscript } from '../../../src/domain/outcome.js';
import { primaryThread } from '../../../src/domain/session-state.js';
import { summarize } from './fixture.js';
import { context, LogBuilder, T0 } from './log-builder.js';

const next = (b: LogBuilder) => summarize(decide(foldLog(b.log), context()));
const env = () => {
  let n = 0;
  return { at: new Date(T0 + 5000).toISOString(), newId: (p: string) => `${p}_new${++n}` };
};
const usage = { input_tokens: 10, output_tokens: 2, cache_creation_input_tokens: null, cache_read_input_tokens: null, cache_creation: null, server_tool_use: null, service_tier: null } as never;

/** An outcome whose first agent turn ended with text. */
function workedTurn(maxIterations = 3) {
  const b = new LogBuilder();
  const define = b.defineOutcome(maxIterations, false);
  b.running();
  const start = b.start(define);
  b.end(start, { text: 'draft' });
  return b;
}

describe('replay: outcomes', () => {
  it('the agent works first, then the grader scores its turn (no idle in between)', () => {
    const b = new LogBuilder();
    const define = b.defineOutcome();
    expect(next(b)).toEqual({ type: 'call_model', thread: 'primary' });
    // Consuming the definition starts the outcome.
    const t = primaryThread(foldLog(b.log));
    expect(startRequest(t, undefined, env()).changes.outcome).toMatchObject({ outcome_id: 'outc_1', result: 'running', iteration: 0 });
    b.running();
    b.end(b.start(define), { text: 'draft' });
    expect(next(b)).toEqual({ type: 'grade', thread: 'primary' });
  });

  it('never grades while the turn still has tool calls to run', () => {
    const b = new LogBuilder();
    const define = b.defineOutcome(3, false);
    b.running();
    const start = b.start(define);
    const call = b.toolUse('toolu_1');
    b.end(start, { toolUses: ['toolu_1'] });
    expect(next(b)).toMatchObject({ type: 'run_tool', call: call.id });
    b.toolResult(call);
    expect(next(b)).toEqual({ type: 'call_model', thread: 'primary' });
  });

  it('a grading cut off by a crash is re-run under the same span', () => {
    const b = workedTurn();
    const start = b.evaluationStart(0);
    expect(next(b)).toEqual({ type: 'grade', thread: 'primary', startId: start.id });
  });

  it('needs_revision: the feedback is the agent next turn; the next grading is iteration 1', () => {
    const b = workedTurn();
    const start = b.evaluationStart(0);
    const t0 = primaryThread(foldLog(b.log));
    const end = endEvaluation(t0, start.id, { verdict: 'needs_revision', explanation: 'Gap: no title.' }, usage, env());
    expect(end.events[0]).toMatchObject({ body: { result: 'needs_revision', iteration: 0, outcome_evaluation_start_id: start.id } });
    expect(end.outcome).toMatchObject({ result: 'running', iteration: 1, explanation: 'Gap: no title.', completed_at: null });
    expect(end.usage).toBe(usage);
    b.evaluationEnd(start, 0, 'needs_revision', 'Gap: no title.');
    const t = primaryThread(foldLog(b.log));
    expect(JSON.stringify(t.messages.at(-1))).toContain('Gap: no title.');
    expect(next(b)).toEqual({ type: 'call_model', thread: 'primary' });
    b.end(b.start(), { text: 'revised' });
    expect(next(b)).toEqual({ type: 'grade', thread: 'primary' });
    expect(startEvaluation(primaryThread(foldLog(b.log)), env()).changes.events[0]).toMatchObject({ body: { iteration: 1 } });
    // What the grader reads: the work since the outcome began, not before.
    expect(workTranscript(t.messages, t.outcome!.workFrom)).toContain('draft');
  });

  it('the last iteration: needs_revision becomes max_iterations_reached, one final turn, then idle', () => {
    const b = workedTurn(1);
    const start = b.evaluationStart(0);
    const end = endEvaluation(primaryThread(foldLog(b.log)), start.id, { verdict: 'needs_revision', explanation: 'no' }, usage, env());
    expect(end.events[0]).toMatchObject({ body: { result: 'max_iterations_reached' } });
    expect(end.outcome).toMatchObject({ result: 'max_iterations_reached', completed_at: expect.any(String) });
    b.evaluationEnd(start, 0, 'max_iterations_reached', 'no');
    expect(next(b)).toEqual({ type: 'call_model', thread: 'primary' });
    b.end(b.start(), { text: 'summary' });
    expect(next(b)).toEqual({ type: 'end_turn', thread: 'primary' });
  });

  it('satisfied ends the turn', () => {
    const b = workedTurn();
    b.evaluationEnd(b.evaluationStart(0), 0, 'satisfied');
    expect(next(b)).toEqual({ type: 'end_turn', thread: 'primary' });
  });

  it('an interrupt while grading closes the span as interrupted before the idle', () => {
    const b = workedTurn();
    const start = b.evaluationStart(0);
    const interrupt = b.interrupt();
    const step = decide(foldLog(b.log), context());
    expect(summarize(step)).toEqual({ type: 'interrupt', thread: 'primary', interruptIds: [interrupt.id], stopTurn: true });
    if (step.type !== 'interrupt') throw new Error('expected interrupt');
    const changes = interruptTurn(primaryThread(foldLog(b.log)), step, env());
    expect(changes.events.map((e) => [e.type, (e.body as { result?: string }).result])).toEqual([
      ['span.outcome_evaluation_end', 'interrupted'],
      ['session.status_idle', undefined],
    ]);
    expect(changes.events[0]).toMatchObject({ body: { outcome_evaluation_start_id: start.id } });
    expect(changes.outcome).toMatchObject({ result: 'interrupted' });
  });

  it('an interrupt while the agent works ends the outcome as interrupted (no evaluation events)', () => {
    const b = new LogBuilder();
    const define = b.defineOutcome(3, false);
    b.running();
    b.start(define);
    b.interrupt();
    const step = decide(foldLog(b.log), context());
    if (step.type !== 'interrupt') throw new Error('expected interrupt');
    const changes = interruptTurn(primaryThread(foldLog(b.log)), step, env());
    expect(changes.events.map((e) => e.type)).toEqual(['session.status_idle']);
    expect(changes.outcome).toMatchObject({ result: 'interrupted' });
    b.idle({ type: 'end_turn' }, { interrupted: true });
    expect(primaryThread(foldLog(b.log)).outcome?.phase).toBe('done');
  });

  it('a grader that keeps failing: retried within the budget, then the outcome fails with the turn', () => {
    const b = workedTurn();
    const start = b.evaluationStart(0);
    const failure = { retryable: true, type: 'model_overloaded_error' as const, message: 'Overloaded' };
    const t = primaryThread(foldLog(b.log));
    expect(graderFailed(t, start.id, failure, context().retry, env()).events.map((e) => e.type)).toEqual(['session.status_rescheduled']);
    for (let i = 0; i < 3; i++) b.rescheduled();
    const exhausted = graderFailed(primaryThread(foldLog(b.log)), start.id, failure, context().retry, env());
    expect(exhausted.events.map((e) => e.type)).toEqual(['span.outcome_evaluation_end', 'session.error', 'session.status_idle']);
    expect(exhausted.outcome).toMatchObject({ result: 'failed' });
  });

  it('reads the verdict from the forced tool call, and refuses anything else', () => {
    const message = (content: unknown[]) => ({ content }) as never;
    expect(parseVerdict(message([{ type: 'tool_use', id: 't', name: 'submit_evaluation', input: { result: 'satisfied', explanation: 'ok' } }]))).toEqual({
      verdict: 'satisfied',
      explanation: 'ok',
    });
    expect(parseVerdict(message([{ type: 'text', text: 'looks fine' }]))).toHaveProperty('error');
    expect(parseVerdict(message([{ type: 'tool_use', id: 't', name: 'submit_evaluation', input: { result: 'great' } }]))).toHaveProperty('error');
  });
});

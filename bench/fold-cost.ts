// `npx tsx bench/fold-cost.ts`: what one engine step costs to bring its state up to date on a long
// session, in process (no server): re-folding the whole log each step (the engine before issue 8,
// and every client answer's check) against folding only what the step appended (the runner's
// incremental fold). Prints one table; see docs/benchmarks.md.
import { performance } from 'node:perf_hooks';
import { foldEvent, foldLog } from '../src/domain/fold.js';
import type { EventRecord } from '../src/domain/records/event.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/** `turns` tool-using turns: message, running, request, tool call, result, request, answer, idle. */
function longLog(turns: number): EventRecord[] {
  const log: EventRecord[] = [];
  let seq = 0;
  const add = (type: string, fields: Record<string, unknown>, internal?: unknown) => {
    const id = `sevt_${++seq}`;
    const at = new Date(T0 + seq).toISOString();
    log.push({ sessionId: 'sesn_b', seq, id, threadId: null, type, body: { id, type, ...fields }, processedAt: at, createdAt: at, ...(internal ? { internal } : {}) } as EventRecord);
    return id;
  };
  const usage = { input_tokens: 1000, output_tokens: 100, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 };
  for (let i = 0; i < turns; i++) {
    const message = add('user.message', { content: [{ type: 'text', text: `question ${i}` }] });
    add('session.status_running', {});
    const start = add('span.model_request_start', {}, { consumed: [message] });
    const call = add('agent.tool_use', { name: 'bash', input: { command: `echo ${i}` }, evaluated_permission: 'allow' }, { tool_use_id: `toolu_${i}`, kind: 'builtin', started: true });
    add('span.model_request_end', { is_error: false, model_request_start_id: start, model_usage: usage }, {
      content: [{ type: 'tool_use', id: `toolu_${i}`, name: 'bash', input: { command: `echo ${i}` } }],
      stop_reason: 'tool_use',
      context_tokens: 1100,
    });
    add('agent.tool_result', { tool_use_id: call, content: [{ type: 'text', text: String(i) }], is_error: false });
    const second = add('span.model_request_start', {}, { consumed: [] });
    add('agent.message', { content: [{ type: 'text', text: `answer ${i}` }] });
    add('span.model_request_end', { is_error: false, model_request_start_id: second, model_usage: usage }, {
      content: [{ type: 'text', text: `answer ${i}` }],
      stop_reason: 'end_turn',
      context_tokens: 1200,
    });
    add('session.status_idle', { stop_reason: { type: 'end_turn' }, stop_details: null });
  }
  return log;
}

/** Median of `runs` timings of `fn`, in ms. */
function median(runs: number, fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const STEP = 10; // events one step appends (one tool turn)
console.log('| log (events) | re-fold the whole log per step | fold only the step\'s events | ratio |');
console.log('|---:|---:|---:|---:|');
for (const turns of [100, 1000, 5000]) {
  const log = longLog(turns);
  const head = log.slice(0, -STEP);
  const tail = log.slice(-STEP);
  const whole = median(15, () => foldLog(log));
  // Each timed step starts from its own state folded up to the step (set up outside the timing).
  const states = Array.from({ length: 31 }, () => foldLog(head));
  const step = median(states.length, () => {
    const state = states.pop()!;
    for (const e of tail) foldEvent(state, e);
  });
  console.log(`| ${log.length} | ${whole.toFixed(2)} ms | ${step.toFixed(3)} ms | ${(whole / step).toFixed(0)}× |`);
}

// Replay fixtures: a session's log from a real run plus every step the engine decided, with what
// it saw at that moment (the log up to `cursor`, which client events were still queued, which tool
// calls were marked started, the decide context). Replaying rebuilds that view, folds it and must
// decide the same step.
import type { DecideContext, Step } from '../../../src/domain/decide.js';
import type { EventRecord } from '../../../src/domain/records/event.js';
import type { SessionState } from '../../../src/domain/session-state.js';

/** A step as data to compare (tool calls by event id). */
export type StepSummary = Record<string, unknown> & { type: Step['type'] };

export interface Decision {
  cursor: number;
  queued: string[];
  started: string[];
  context: DecideContext;
  /** Threads not decided for (a step of theirs under way); absent in fixtures of one-thread sessions recorded before. */
  busy?: string[];
  step: StepSummary;
}

export interface ReplayFixture {
  /** The test whose run this was recorded from. */
  source: string;
  log: EventRecord[];
  decisions: Decision[];
}

export function summarize(step: Step): StepSummary {
  const out: Record<string, unknown> = { ...step };
  if ('calls' in step) out.calls = step.calls.map((c) => c.eventId);
  if ('call' in step) out.call = step.call.eventId;
  return out as StepSummary;
}

export function decisionOf(state: SessionState, context: DecideContext, step: Step, busy: ReadonlySet<string> = new Set()): Decision {
  const queued: string[] = [];
  const started: string[] = [];
  for (const t of state.threads.values()) {
    for (const e of [...t.pendingInputs, ...t.pendingInterrupts, ...t.pendingAnswers]) queued.push(e.id);
  }
  for (const call of state.calls.values()) if (call.started) started.push(call.eventId);
  return { cursor: state.cursor, queued, started, context: { ...context }, ...(busy.size > 0 ? { busy: [...busy].sort() } : {}), step: summarize(step) };
}

/** The log as the engine saw it when it made `d`. */
export function logAsSeen(log: readonly EventRecord[], d: Decision): EventRecord[] {
  const queued = new Set(d.queued);
  const started = new Set(d.started);
  return log
    .filter((e) => e.seq <= d.cursor)
    .map((e) => {
      const seen = { ...e, processedAt: queued.has(e.id) ? null : e.processedAt } as EventRecord;
      if ((seen.type === 'agent.tool_use' || seen.type === 'agent.custom_tool_use' || seen.type === 'agent.mcp_tool_use') && seen.internal) {
        seen.internal = { ...seen.internal, started: started.has(e.id) };
      }
      return seen;
    });
}

// Outcomes (user.define_outcome): what the session works toward, the grader's verdicts, and what
// the agent is told after each one. The grader runs in its own context (engine/grader-request.ts);
// everything it decides from is here, pure.
import type { BetaContentBlockParam, BetaMessage, BetaMessageParam } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import type { OutcomeEvaluation } from '../api/wire.js';
import type { WireEvent } from './records/event.js';

export type Rubric = WireEvent<'user.define_outcome'>['rubric'];

/** Where an outcome is: the agent works, the grader grades, one last turn after max_iterations, or done. */
export type OutcomePhase = 'pending' | 'working' | 'evaluating' | 'final_turn' | 'done';

export interface OutcomeState {
  /** The user.define_outcome event. */
  definitionId: string;
  outcomeId: string;
  description: string;
  rubric: Rubric;
  maxIterations: number;
  /** 0-indexed revision cycle. */
  iteration: number;
  phase: OutcomePhase;
  /** Index into the thread's messages where this outcome's work begins (what the grader reads). */
  workFrom: number;
  /** The agent's latest response ended its turn (not a tool call) since the last grading. */
  turnEnded: boolean;
  /** span.outcome_evaluation_start of the grading under way (crash: re-graded under the same span). */
  evaluationStartId: string | undefined;
}

/** Verdicts the grader may give; max_iterations_reached and interrupted are the engine's. */
export type GraderVerdict = 'satisfied' | 'needs_revision' | 'failed';
export const TERMINAL_RESULTS = new Set(['satisfied', 'max_iterations_reached', 'failed', 'interrupted']);

export const DEFAULT_MAX_ITERATIONS = 3;

export const GRADER_TOOL = 'submit_evaluation';

type Definition = Pick<WireEvent<'user.define_outcome'>, 'id' | 'outcome_id' | 'description' | 'rubric' | 'max_iterations'>;

export function newOutcome(e: Definition): OutcomeState {
  return {
    definitionId: e.id,
    outcomeId: e.outcome_id,
    description: e.description,
    rubric: e.rubric,
    maxIterations: e.max_iterations ?? DEFAULT_MAX_ITERATIONS,
    iteration: 0,
    phase: 'pending',
    workFrom: 0,
    turnEnded: false,
    evaluationStartId: undefined,
  };
}

export const pendingResource = (outcomeId: string, description: string): OutcomeEvaluation => ({
  type: 'outcome_evaluation',
  outcome_id: outcomeId,
  description,
  iteration: 0,
  result: 'pending',
  explanation: null,
  completed_at: null,
});

/** The resource once the agent works on it (its definition was consumed). */
export const runningResource = (o: OutcomeState, explanation: string | null = null): OutcomeEvaluation => ({
  ...pendingResource(o.outcomeId, o.description),
  iteration: o.iteration,
  result: 'running',
  explanation,
});

/** The resource after an evaluation ends with `result` (terminal ones carry completed_at). */
export function resourceAfter(o: OutcomeState, iteration: number, result: string, explanation: string, at: string): OutcomeEvaluation {
  const terminal = TERMINAL_RESULTS.has(result);
  return {
    ...pendingResource(o.outcomeId, o.description),
    iteration: terminal ? iteration : iteration + 1,
    result: terminal ? result : 'running',
    explanation,
    completed_at: terminal ? at : null,
  };
}

/** The result an evaluation ends with: a grader's needs_revision on the last iteration is max_iterations_reached. */
export function evaluationResult(verdict: GraderVerdict, iteration: number, maxIterations: number): string {
  if (verdict === 'needs_revision' && iteration + 1 >= maxIterations) return 'max_iterations_reached';
  return verdict;
}

/** What the agent reads after a grading that is not the end (its next user turn). */
export function feedbackText(result: string, iteration: number, explanation: string): string {
  if (result === 'max_iterations_reached') {
    return (
      `The grader reviewed iteration ${iteration} and the rubric is still not met, and the outcome's iteration ` +
      `budget is spent, so no further evaluation will run. Grader's feedback:\n\n${explanation}\n\n` +
      'Finish with a short summary of where the work stands.'
    );
  }
  return (
    `The grader reviewed your work (iteration ${iteration}) against the rubric and it needs revision. ` +
    `Grader's feedback:\n\n${explanation}\n\nRevise the work so every criterion is met.`
  );
}

/** The input tool the grader must call: its verdict as structured data. */
export const graderTool = {
  name: GRADER_TOOL,
  description: 'Submit the evaluation of the work against the rubric. Call exactly once.',
  input_schema: {
    type: 'object' as const,
    properties: {
      result: {
        type: 'string',
        enum: ['satisfied', 'needs_revision', 'failed'],
        description:
          'satisfied: every criterion is met. needs_revision: some criteria are not met yet. ' +
          'failed: the rubric cannot apply to this task (e.g. it contradicts the description).',
      },
      explanation: { type: 'string', description: 'Per criterion: met or not, and what is missing.' },
    },
    required: ['result', 'explanation'],
  },
};

export const GRADER_SYSTEM =
  'You are a grader. You evaluate a piece of work against a rubric, criterion by criterion, ' +
  'independently of whoever produced it. You see the task, the rubric and a transcript of the work. ' +
  `Answer only by calling ${GRADER_TOOL}.`;

/** The grader's verdict from its response, or why there is none. */
export function parseVerdict(message: BetaMessage): { verdict: GraderVerdict; explanation: string } | { error: string } {
  const call = message.content.find((b) => b.type === 'tool_use' && b.name === GRADER_TOOL);
  if (!call || call.type !== 'tool_use') return { error: `the grader answered without calling ${GRADER_TOOL}` };
  const input = (call.input ?? {}) as Record<string, unknown>;
  const result = input['result'];
  const explanation = typeof input['explanation'] === 'string' ? input['explanation'] : '';
  if (result !== 'satisfied' && result !== 'needs_revision' && result !== 'failed') {
    return { error: `the grader's verdict ${JSON.stringify(result)} is not satisfied, needs_revision or failed` };
  }
  return { verdict: result, explanation };
}

const MAX_PART_CHARS = 4000;
const clip = (text: string) => (text.length > MAX_PART_CHARS ? `${text.slice(0, MAX_PART_CHARS)}… [${text.length - MAX_PART_CHARS} more characters]` : text);

function blockText(b: BetaContentBlockParam, role: BetaMessageParam['role']): string | undefined {
  switch (b.type) {
    case 'text':
      return b.text.trim() === '' ? undefined : `${role === 'assistant' ? 'Agent' : 'Input'}: ${clip(b.text)}`;
    case 'tool_use':
      return `Agent called ${b.name}: ${clip(JSON.stringify(b.input))}`;
    case 'tool_result': {
      const content = typeof b.content === 'string' ? b.content : (b.content ?? []).map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n');
      return `${b.is_error ? 'Tool error' : 'Tool result'}: ${clip(content)}`;
    }
    case 'document':
    case 'image':
      return `[${b.type}]`;
    default:
      return undefined; // thinking stays private to the agent
  }
}

/** The work the grader reads: the agent's messages, tool calls and results since the outcome began. */
export function workTranscript(messages: readonly BetaMessageParam[], from: number): string {
  const lines: string[] = [];
  for (const m of messages.slice(from)) {
    const blocks: BetaContentBlockParam[] = typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : (m.content ?? []);
    for (const b of blocks) {
      const line = blockText(b, m.role);
      if (line !== undefined) lines.push(line);
    }
  }
  return lines.length > 0 ? lines.join('\n\n') : '(the agent produced nothing yet)';
}

/** The grader's one user turn: task, rubric (text, or the rubric file as a document), the work. */
export function graderPrompt(o: Pick<OutcomeState, 'description' | 'rubric' | 'iteration'>, transcript: string): BetaContentBlockParam[] {
  const rubric: BetaContentBlockParam[] =
    o.rubric.type === 'text'
      ? [{ type: 'text', text: `<rubric>\n${o.rubric.content}\n</rubric>` }]
      : [{ type: 'text', text: 'The rubric is the attached document.' }, { type: 'document', source: { type: 'file', file_id: o.rubric.file_id } }];
  return [
    { type: 'text', text: `<task>\n${o.description}\n</task>` },
    ...rubric,
    { type: 'text', text: `<work iteration="${o.iteration}">\n${transcript}\n</work>\n\nGrade the work against every criterion of the rubric.` },
  ];
}

/** The resource when an interrupt ends the outcome before the grader finished. */
export const interruptedResource = (o: OutcomeState, at: string): OutcomeEvaluation => ({
  ...runningResource(o),
  result: 'interrupted',
  completed_at: at,
});

/** `list` with `next` in place of the entry with its outcome_id (appended when new). */
export function withOutcome(list: readonly OutcomeEvaluation[], next: OutcomeEvaluation): OutcomeEvaluation[] {
  const i = list.findIndex((o) => o.outcome_id === next.outcome_id);
  return i === -1 ? [...list, next] : list.map((o, j) => (j === i ? next : o));
}

import { toFile } from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { expectEnvelope, failure } from '../helpers/errors.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { sendText, streamWhile, typesOf, type StreamEvent } from '../helpers/turns.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';

const RUBRIC = '- The haiku has exactly three lines.\n- It mentions the sea.';
const AGENT_SYSTEM = 'You are the poet agent. SYSTEM-PROMPT-MARKER.';

const verdict = (result: string, explanation: string, usage = { input_tokens: 50, output_tokens: 7 }) => ({
  content: [{ type: 'tool_use' as const, name: 'submit_evaluation', input: { result, explanation } }],
  usage,
});
const say = (text: string) => ({ content: [{ type: 'text' as const, text }] });

describe.each(dialects())('outcomes (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake }));

  async function newSession() {
    const agent = await createAgent(t.client, { model: 'claude-opus-4-8', system: AGENT_SYSTEM });
    const env = await createEnvironment(t.client);
    return t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
  }

  const defineOutcome = (sessionId: string, extra: Record<string, unknown> = {}) =>
    t.client.beta.sessions.events.send(sessionId, {
      events: [{ type: 'user.define_outcome', description: 'Write a haiku about the sea', rubric: { type: 'text', content: RUBRIC }, ...extra } as never],
    });

  const outcomeEvents = (events: StreamEvent[]) => events.filter((e) => e.type.startsWith('span.outcome_evaluation') || e.type === 'session.status_idle');

  it('iterates until the grader is satisfied: gap, fix, satisfied, with no idle in between', async () => {
    const session = await newSession();
    // Earlier conversation the grader must never see.
    fake.enqueue(say('Hello.'));
    await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'EARLIER-HISTORY-MARKER'));
    const before = fake.requests.length;

    fake.enqueue(
      say('Waves on the shore'),
      verdict('needs_revision', 'Gap: the haiku has one line, not three.'),
      say('Waves on the shore\nsalt wind over the grey sea\ngulls call the tide home'),
      verdict('satisfied', 'Three lines; mentions the sea.', { input_tokens: 60, output_tokens: 9 }),
    );
    const events = await streamWhile(t.client, session.id, () => defineOutcome(session.id));
    expect(typesOf(events)).toEqual([
      'user.define_outcome',
      'session.status_running',
      'span.model_request_start',
      'agent.message',
      'span.model_request_end',
      'session.usage',
      'span.outcome_evaluation_start',
      'span.outcome_evaluation_end',
      // The grader's call counts too.
      'session.usage',
      'span.model_request_start',
      'agent.message',
      'span.model_request_end',
      'session.usage',
      'span.outcome_evaluation_start',
      'span.outcome_evaluation_end',
      'session.usage',
      'session.status_idle',
    ]);
    const defined = events[0] as Extract<StreamEvent, { type: 'user.define_outcome' }>;
    expect(defined.outcome_id).toMatch(/^outc_/);
    expect(defined.max_iterations).toBe(3);
    const [start0, end0, start1, end1] = events.filter((e) => e.type.startsWith('span.outcome_evaluation'));
    expect(start0).toMatchObject({ outcome_id: defined.outcome_id, iteration: 0 });
    expect(end0).toMatchObject({
      outcome_evaluation_start_id: (start0 as any).id,
      outcome_id: defined.outcome_id,
      iteration: 0,
      result: 'needs_revision',
      explanation: 'Gap: the haiku has one line, not three.',
      usage: { input_tokens: 50, output_tokens: 7 },
    });
    expect(start1).toMatchObject({ iteration: 1 });
    expect(end1).toMatchObject({ outcome_evaluation_start_id: (start1 as any).id, iteration: 1, result: 'satisfied' });
    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });

    // The grader: its own context, with the rubric and the work, never the agent's prompt or history.
    const [agent0, grader0, agent1, grader1] = fake.requests.slice(before).map((r) => r.body as any) as [any, any, any, any];
    for (const grader of [grader0, grader1]) {
      const text = JSON.stringify(grader);
      expect(text).not.toContain('SYSTEM-PROMPT-MARKER');
      expect(text).not.toContain('EARLIER-HISTORY-MARKER');
      expect(text).toContain('It mentions the sea.');
      expect(grader.tool_choice).toEqual({ type: 'tool', name: 'submit_evaluation' });
      expect(grader.messages).toHaveLength(1);
    }
    expect(JSON.stringify(grader0.messages)).toContain('Waves on the shore');
    expect(JSON.stringify(grader1.messages)).toContain('gulls call the tide home');
    // The agent keeps its own context and gets the grader's feedback as its next turn.
    expect(JSON.stringify(agent0.system)).toContain('SYSTEM-PROMPT-MARKER');
    expect(JSON.stringify(agent0.messages)).toContain('EARLIER-HISTORY-MARKER');
    expect(JSON.stringify(agent1.messages.at(-1))).toContain('Gap: the haiku has one line, not three.');

    const after = await t.client.beta.sessions.retrieve(session.id);
    expect(after.outcome_evaluations).toEqual([
      {
        type: 'outcome_evaluation',
        outcome_id: defined.outcome_id,
        description: 'Write a haiku about the sea',
        iteration: 1,
        result: 'satisfied',
        explanation: 'Three lines; mentions the sea.',
        completed_at: (end1 as any).processed_at,
      },
    ]);
    // The grader's usage counts in the session's.
    const total = fake.requests.length;
    expect(total - before).toBe(4);
    expect(after.usage.output_tokens).toBeGreaterThanOrEqual(7 + 9);
    const listed = (await t.client.beta.sessions.events.list(session.id)).data;
    const graderOut = listed.filter((e) => e.type === 'span.outcome_evaluation_end').reduce((n, e) => n + (e as any).usage.output_tokens, 0);
    const agentOut = listed.filter((e) => e.type === 'span.model_request_end').reduce((n, e) => n + (e as any).model_usage.output_tokens, 0);
    expect(after.usage.output_tokens).toBe(graderOut + agentOut);
    // The grader's calls are priced ledger rows too: the session's usage report counts every call, the grader's included.
    const report = await t.client.beta.organization.analytics.usage.list({
      // Whole hours (the report's buckets) around now.
      starting_at: new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000).toISOString(),
      ending_at: new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 + 3_600_000).toISOString(),
      group_by: ['session_id'],
    });
    const row = report.data.find((r) => r.group.session_id === session.id)!;
    const calls = listed.filter((e) => e.type === 'span.model_request_end' || e.type === 'span.outcome_evaluation_end').length;
    expect(row.usage).toMatchObject({ output_tokens: after.usage.output_tokens, requests: calls });
  });

  it('stops at max_iterations: the last needs_revision is max_iterations_reached, one final turn, then idle', async () => {
    const session = await newSession();
    fake.enqueue(
      say('draft one'),
      verdict('needs_revision', 'Not three lines.'),
      say('draft two'),
      verdict('needs_revision', 'Still not three lines.'),
      say('Final: the work is not complete.'),
    );
    const events = await streamWhile(t.client, session.id, () => defineOutcome(session.id, { max_iterations: 2 }));
    const ends = events.filter((e) => e.type === 'span.outcome_evaluation_end');
    expect(ends.map((e) => [(e as any).iteration, (e as any).result])).toEqual([
      [0, 'needs_revision'],
      [1, 'max_iterations_reached'],
    ]);
    expect(typesOf(events).slice(-7)).toEqual([
      'span.outcome_evaluation_end',
      'session.usage',
      'span.model_request_start',
      'agent.message',
      'span.model_request_end',
      'session.usage',
      'session.status_idle',
    ]);
    expect(JSON.stringify((fake.requests.at(-1)!.body as any).messages.at(-1))).toContain('no further evaluation');
    const after = await t.client.beta.sessions.retrieve(session.id);
    expect(after.outcome_evaluations).toMatchObject([{ result: 'max_iterations_reached', iteration: 1, completed_at: expect.any(String) }]);

    // After a terminal result the session takes a new outcome (and keeps its history).
    fake.enqueue(say('A new haiku\nabout the sea\nthree lines'), verdict('satisfied', 'ok'));
    await streamWhile(t.client, session.id, () => defineOutcome(session.id));
    const again = await t.client.beta.sessions.retrieve(session.id);
    expect(again.outcome_evaluations.map((o) => o.result)).toEqual(['max_iterations_reached', 'satisfied']);
  });

  it('reads a file rubric from the Files API and shows it to the agent and the grader', async () => {
    const session = await newSession();
    const rubric = await t.client.beta.files.upload({ file: await toFile(Buffer.from('FILE-RUBRIC: the poem rhymes.'), 'rubric.md', { type: 'text/markdown' }) });
    fake.enqueue(say('moon / June'), verdict('satisfied', 'It rhymes.'));
    const before = fake.requests.length;
    const events = await streamWhile(t.client, session.id, () =>
      t.client.beta.sessions.events.send(session.id, {
        events: [{ type: 'user.define_outcome', description: 'Write a rhyme', rubric: { type: 'file', file_id: rubric.id } }],
      }),
    );
    expect(outcomeEvents(events).map((e) => e.type)).toEqual(['span.outcome_evaluation_start', 'span.outcome_evaluation_end', 'session.status_idle']);
    const [agentReq, graderReq] = fake.requests.slice(before).map((r) => JSON.stringify(r.body));
    expect(agentReq).toContain('FILE-RUBRIC: the poem rhymes.');
    expect(graderReq).toContain('FILE-RUBRIC: the poem rhymes.');
    expect(graderReq).not.toContain('SYSTEM-PROMPT-MARKER');
  });

  it('one outcome at a time; an interrupt while grading ends it as interrupted and leaves the session idle', async () => {
    const session = await newSession();
    fake.enqueue(say('draft'), { ...verdict('satisfied', 'slow grader'), chunkDelayMs: 300 });
    const stream = await t.client.beta.sessions.events.stream(session.id);
    await defineOutcome(session.id);
    const refused = await failure(defineOutcome(session.id));
    expectEnvelope(refused, 400, 'invalid_request_error');
    expect(refused.message).toMatch(/still/);
    const seen: StreamEvent[] = [];
    for await (const e of stream) {
      seen.push(e);
      if (e.type === 'span.outcome_evaluation_start') await t.client.beta.sessions.events.send(session.id, { events: [{ type: 'user.interrupt' }] });
      if (e.type === 'session.status_idle') break;
    }
    const end = seen.find((e) => e.type === 'span.outcome_evaluation_end');
    expect(end).toMatchObject({ result: 'interrupted' });
    expect(seen.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    const after = await t.client.beta.sessions.retrieve(session.id);
    expect(after.outcome_evaluations).toMatchObject([{ result: 'interrupted', completed_at: expect.any(String) }]);
    expect(after.status).toBe('idle');
  });
});

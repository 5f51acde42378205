import { describe, expect, it } from 'vitest';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { StreamReader } from '../helpers/stream.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { isTerminal, sendText, streamWhile, typesOf, waitSettled } from '../helpers/turns.js';

describe.each(dialects())('model failures, interrupts and compaction (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake, env: { AGENTD_MODEL_MAX_RETRIES: '3', AGENTD_COMPACTION_TOKENS: '5000' } }));

  async function newSession(agentOverrides = {}) {
    const agent = await createAgent(t.client, { model: 'claude-sonnet-4-6', ...agentOverrides });
    const env = await createEnvironment(t.client);
    return t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
  }

  it('529 twice then success: two reschedules, then the answer', async () => {
    const session = await newSession();
    fake.enqueue(
      { error: { status: 529, message: 'Overloaded' } },
      { error: { status: 529, message: 'Overloaded' } },
      { content: [{ type: 'text', text: 'Third time lucky.' }] },
    );
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'hello'));
    expect(typesOf(events)).toEqual([
      'user.message',
      'session.status_running',
      'span.model_request_start',
      'span.model_request_end',
      'session.error',
      'session.status_rescheduled',
      'session.status_running',
      'span.model_request_start',
      'span.model_request_end',
      'session.error',
      'session.status_rescheduled',
      'session.status_running',
      'span.model_request_start',
      'agent.message',
      'span.model_request_end',
      // Only the call that completed moves the usage.
      'session.usage',
      'session.status_idle',
    ]);
    const ends = events.filter((e) => e.type === 'span.model_request_end');
    expect(ends.map((e) => e.is_error)).toEqual([true, true, false]);
    // Each retried failure is reported with its retry status before the reschedule.
    for (const e of events.filter((e) => e.type === 'session.error')) {
      expect(e).toMatchObject({ error: { type: 'model_overloaded_error', retry_status: { type: 'retrying' } } });
    }
    expect(events.at(-1)).toMatchObject({ stop_reason: { type: 'end_turn' } });
    // The retried request carried the same conversation.
    const bodies = fake.requests.slice(-3).map((r) => JSON.stringify((r.body as Record<string, any>).messages));
    expect(new Set(bodies).size).toBe(1);
  });

  it('a stream whose connection breaks off mid-answer is retried like a failed connect, then answers', async () => {
    const session = await newSession();
    fake.enqueue({ dropMidStream: true, content: [{ type: 'text', text: 'This answer never ends' }] }, { content: [{ type: 'text', text: 'Second try.' }] });
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'hello'));
    const error = events.find((e) => e.type === 'session.error');
    expect(error).toMatchObject({ error: { type: 'model_request_failed_error', retry_status: { type: 'retrying' } } });
    expect(typesOf(events).filter((type) => type === 'session.status_rescheduled')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'agent.message').map((e) => e.content)).toEqual([[{ type: 'text', text: 'Second try.' }]]);
    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
  });

  it('retryable errors past the budget: session.error (exhausted) then idle retries_exhausted', async () => {
    const session = await newSession();
    fake.enqueue(...Array.from({ length: 4 }, () => ({ error: { status: 529 as const } })));
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'hello'));
    expect(events.filter((e) => e.type === 'session.status_rescheduled')).toHaveLength(3);
    expect(events.at(-2)).toMatchObject({ type: 'session.error', error: { type: 'model_overloaded_error', retry_status: { type: 'exhausted' } } });
    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'retries_exhausted' } });
    expect((await t.client.beta.sessions.retrieve(session.id)).status).toBe('idle');
  });

  it('a persistent 400 surfaces as session.error without retry', async () => {
    const session = await newSession();
    fake.enqueue({ error: { status: 400, message: 'messages.0: something is wrong' } });
    const before = fake.requests.length;
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'hello'));
    expect(events.some((e) => e.type === 'session.status_rescheduled')).toBe(false);
    expect(events.at(-2)).toMatchObject({
      type: 'session.error',
      error: { type: 'model_request_failed_error', retry_status: { type: 'exhausted' } },
    });
    expect(JSON.stringify(events.at(-2))).toContain('something is wrong');
    expect(events.at(-1)).toMatchObject({ stop_reason: { type: 'retries_exhausted' } });
    expect(fake.requests.length - before).toBe(1);

    // The session stays usable.
    fake.enqueue({ content: [{ type: 'text', text: 'Recovered.' }] });
    const next = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'again'));
    expect(next.at(-1)).toMatchObject({ stop_reason: { type: 'end_turn' } });
  });

  it('interrupt during a slow stream aborts it and leaves the session idle and reusable', async () => {
    const session = await newSession();
    fake.enqueue({ content: [{ type: 'text', text: 'word '.repeat(200) }], chunkDelayMs: 50 });
    const stream = await t.client.beta.sessions.events.stream(session.id);
    const reader = new StreamReader(stream);
    await sendText(t.client, session.id, 'write a lot');
    await reader.until((e) => e.type === 'span.model_request_start');
    await t.client.beta.sessions.events.send(session.id, { events: [{ type: 'user.interrupt' }] });
    const rest = await reader.until(isTerminal, 10_000);
    stream.controller.abort();
    expect(rest.some((e) => e.type === 'agent.message')).toBe(false);
    expect(rest.find((e) => e.type === 'span.model_request_end')).toMatchObject({ is_error: true });
    expect(rest.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    expect((await t.client.beta.sessions.retrieve(session.id)).status).toBe('idle');
    const interrupt = (await t.client.beta.sessions.events.list(session.id, { types: ['user.interrupt'] })).data[0];
    expect(interrupt?.processed_at).not.toBeNull();
    await fake.waitForIdle();
    expect(fake.requests.at(-1)!.response.outcome).toBe('client_disconnected');

    fake.enqueue({ content: [{ type: 'text', text: 'Short answer.' }] });
    const next = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'just a short one'));
    expect(next.at(-1)).toMatchObject({ stop_reason: { type: 'end_turn' } });
  });

  it('interrupt while waiting on a custom tool result voids the call', async () => {
    const session = await newSession({
      tools: [{ type: 'custom', name: 'lookup', description: 'Look up', input_schema: { type: 'object', properties: {} } }],
    });
    fake.enqueue({ content: [{ type: 'tool_use', id: 'toolu_lk', name: 'lookup', input: {} }] });
    const waiting = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'look it up'), (e) => e.type === 'session.status_idle');
    const use = waiting.find((e) => e.type === 'agent.custom_tool_use')!;
    const after = await streamWhile(t.client, session.id, () =>
      t.client.beta.sessions.events.send(session.id, { events: [{ type: 'user.interrupt' }] }),
    );
    expect(after.at(-1)).toMatchObject({ stop_reason: { type: 'end_turn' } });
    const late = await t.client.beta.sessions.events
      .send(session.id, { events: [{ type: 'user.custom_tool_result', custom_tool_use_id: use.id, content: [] }] })
      .catch((e) => e);
    expect(late.status).toBe(400);
    fake.enqueue({ content: [{ type: 'text', text: 'ok' }] });
    await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'never mind'));
    const last = (fake.requests.at(-1)!.body as Record<string, any>).messages.at(-1).content;
    expect(last[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_lk', is_error: true });
    expect(last[1]).toMatchObject({ type: 'text', text: 'never mind' });
  });

  it('compacts history when the context nears the window', async () => {
    const session = await newSession();
    fake.enqueue(
      { content: [{ type: 'text', text: 'A long answer.' }], usage: { input_tokens: 6000, output_tokens: 100 } },
      { content: [{ type: 'text', text: 'Summary: the user asked two things.' }], usage: { input_tokens: 6100, output_tokens: 20 } },
      { content: [{ type: 'text', text: 'Answer after compaction.' }] },
    );
    await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'first question'));
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'second question'));
    expect(typesOf(events)).toContain('agent.thread_context_compacted');
    const summaryRequest = fake.requests.at(-2)!.body as Record<string, any>;
    expect(JSON.stringify(summaryRequest.messages.at(-1))).toContain('summary');
    const afterCompaction = fake.requests.at(-1)!.body as Record<string, any>;
    expect(afterCompaction.messages).toHaveLength(1);
    const text = JSON.stringify(afterCompaction.messages[0].content);
    expect(text).toContain('Summary: the user asked two things.');
    expect(text).toContain('second question');
    expect(text).not.toContain('first question');
  });
});

describe.each(dialects())('the retry budget across a restart (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  // Backoff waits run on this clock: the test decides when a retry is due.
  const clock = new ManualClock();
  // The deployment scheduler and the webhook dispatcher also sleep on this clock: with long polls
  // they stay asleep (two sleepers) and the engine's backoff is the third.
  const t = useServer(dialect, () => ({
    model: fake,
    clock,
    env: { AGENTD_MODEL_MAX_RETRIES: '2', AGENTD_SCHEDULER_POLL_MS: '3600000', AGENTD_WEBHOOK_POLL_MS: '3600000' },
  }));
  const BACKGROUND_SLEEPERS = 2;

  const reschedules = async (sessionId: string) =>
    (await t.client.beta.sessions.events.list(sessionId, { types: ['session.status_rescheduled'] })).data.length;

  it('a restart mid-backoff keeps the retries already spent and the wait already begun', async () => {
    const agent = await createAgent(t.client, { model: 'claude-sonnet-4-6' });
    const env = await createEnvironment(t.client);
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    fake.enqueue(...Array.from({ length: 3 }, () => ({ error: { status: 529 as const } })));
    const before = fake.requests.length;
    await sendText(t.client, session.id, 'hello');
    await fake.waitForRequests(before + 1);
    await clock.untilSleeping(BACKGROUND_SLEEPERS + 1); // rescheduled once, waiting for the retry
    expect(await reschedules(session.id)).toBe(1);

    await t.restart();
    await clock.untilSleeping(BACKGROUND_SLEEPERS + 1); // the new process waits out the same backoff instead of retrying at once
    expect(fake.requests.length).toBe(before + 1);
    clock.advance(1000);
    await fake.waitForRequests(before + 2);
    await clock.untilSleeping(BACKGROUND_SLEEPERS + 1);
    clock.advance(1000);

    // Two retries in all (the budget), not two more after the restart.
    const events = await waitSettled(t.client, session.id);
    expect(fake.requests.length - before).toBe(3);
    expect(events.filter((e) => e.type === 'session.status_rescheduled')).toHaveLength(2);
    expect(events.at(-2)).toMatchObject({ type: 'session.error', error: { retry_status: { type: 'exhausted' } } });
    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'retries_exhausted' } });
  });
});

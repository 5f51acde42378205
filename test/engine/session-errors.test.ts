// The SDK's session.error types the engine produces, each provoked through the official SDK by
// scripting the fake Messages API: retried failures (retrying, then exhausted), billing, and a
// compaction that never fits (compaction_limit_reached_error), a tool loop past its round limit
// (tool_use_limit_reached_error). Retry budgets: failures.test.ts.
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { sendText, streamWhile, typesOf } from '../helpers/turns.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';

describe.each(dialects())('session errors (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake, env: { AGENTD_MODEL_MAX_RETRIES: '1', AGENTD_COMPACTION_TOKENS: '5000', AGENTD_MAX_TOOL_ROUNDS: '2' } }));

  async function newSession() {
    const agent = await createAgent(t.client, { model: 'claude-sonnet-4-6' });
    const env = await createEnvironment(t.client);
    return t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
  }
  const errorsOf = (events: Awaited<ReturnType<typeof streamWhile>>) =>
    events.flatMap((e) => (e.type === 'session.error' ? [e.error] : []));

  it('rate limited: retrying, then exhausted; the session idles retries_exhausted', async () => {
    const session = await newSession();
    fake.enqueue({ error: { status: 429, message: 'slow down' } }, { error: { status: 429, message: 'slow down' } });
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'hi'));
    expect(errorsOf(events)).toEqual([
      { type: 'model_rate_limited_error', message: expect.stringContaining('slow down'), retry_status: { type: 'retrying' } },
      { type: 'model_rate_limited_error', message: expect.stringContaining('slow down'), retry_status: { type: 'exhausted' } },
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'retries_exhausted' } });
  });

  it('a tool loop past AGENTD_MAX_TOOL_ROUNDS: tool_use_limit_reached_error, idle retries_exhausted; the next message starts a new turn', async () => {
    const agent = await createAgent(t.client, { model: 'claude-sonnet-4-6', tools: [{ type: 'agent_toolset_20260401', default_config: { enabled: false }, configs: [{ name: 'bash', enabled: true }] }] });
    const env = await createEnvironment(t.client);
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    const bash = { content: [{ type: 'tool_use' as const, name: 'bash', input: { command: 'echo round' } }] };
    fake.enqueue(bash, bash, bash);
    const before = fake.requests.length;
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'loop'), undefined, 60_000);
    // Two rounds ran (two responses with tools, both answered); the third call was never made.
    expect(events.filter((e) => e.type === 'agent.tool_result')).toHaveLength(2);
    expect(fake.requests.length - before).toBe(2);
    expect(errorsOf(events)).toEqual([{ type: 'tool_use_limit_reached_error', message: expect.stringContaining('2 tool-use rounds'), retry_status: { type: 'exhausted' } }]);
    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'retries_exhausted' } });
    // A new message is a new turn: the queued third response runs a round, then the model answers.
    fake.enqueue({ content: [{ type: 'text', text: 'done' }] });
    const next = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'go on'), undefined, 60_000);
    expect(errorsOf(next)).toEqual([]);
    expect(next.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    // The stopped turn's results stay in the history the model reads.
    const last = fake.requests.at(-1)!.body.messages as Array<{ content: Array<{ type: string }> | string }>;
    expect(last.flatMap((m) => (typeof m.content === 'string' ? [] : m.content.map((b) => b.type))).filter((x) => x === 'tool_result')).toHaveLength(3);
  });

  it('billing (402): billing_error, exhausted, not retried; the next message starts a new turn', async () => {
    const session = await newSession();
    const before = fake.requests.length;
    fake.enqueue({ error: { status: 402, message: 'Your credit balance is too low' } });
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'hi'));
    expect(errorsOf(events)).toEqual([{ type: 'billing_error', message: expect.stringContaining('credit balance'), retry_status: { type: 'exhausted' } }]);
    expect(typesOf(events)).not.toContain('session.status_rescheduled');
    expect(fake.requests.length - before).toBe(1);
    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'retries_exhausted' } });
    // Not terminal: the session takes the next message (once the account is funded again).
    fake.enqueue({ content: [{ type: 'text', text: 'Funded.' }] });
    const next = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'again'));
    expect(errorsOf(next)).toEqual([]);
    expect(next.find((e) => e.type === 'agent.message')).toMatchObject({ content: [{ type: 'text', text: 'Funded.' }] });
    expect(next.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
  });

  it('a summary that never fits: three compactions, then compaction_limit_reached_error; the next message starts over', async () => {
    const session = await newSession();
    fake.enqueue({ content: [{ type: 'text', text: 'A long answer.' }], usage: { input_tokens: 6000, output_tokens: 100 } });
    await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'first'));
    // Every summary is ~6,000 tokens by agentd's estimate (chars / 4): still over the 5,000 threshold.
    const huge = 'the summary goes on and on. '.repeat(900);
    fake.enqueue(...Array.from({ length: 3 }, () => ({ content: [{ type: 'text' as const, text: huge }] })));
    const before = fake.requests.length;
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'second'));
    expect(typesOf(events).filter((x) => x === 'agent.thread_context_compacted')).toHaveLength(3);
    expect(fake.requests.length - before).toBe(3);
    expect(errorsOf(events)).toEqual([{ type: 'compaction_limit_reached_error', message: expect.stringContaining('compacted 3 times'), retry_status: { type: 'exhausted' } }]);
    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'retries_exhausted' } });
    expect((await t.client.beta.sessions.retrieve(session.id)).status).toBe('idle');

    // A new message starts a new turn: compaction is tried again, and this time it fits.
    fake.enqueue({ content: [{ type: 'text', text: 'Short summary.' }] }, { content: [{ type: 'text', text: 'Back on track.' }] });
    const next = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'third'));
    expect(next.find((e) => e.type === 'agent.message')).toMatchObject({ content: [{ type: 'text', text: 'Back on track.' }] });
    const last = JSON.stringify(fake.requests.at(-1)!.body.messages);
    expect(last).toContain('second');
    expect(last).toContain('third');
  });
});

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { startFakeAnthropic, type FakeAnthropic } from '../helpers/fake-anthropic/index.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { sendText, streamWhile, typesOf } from '../helpers/turns.js';

describe.each(dialects())('agent loop (%s)', (dialect) => {
  let fake: FakeAnthropic;
  let t: TestServer;
  beforeAll(async () => {
    fake = await startFakeAnthropic();
    t = await startTestServer(dialect, { model: fake });
  });
  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  async function newSession(agentOverrides = {}) {
    const agent = await createAgent(t.client, { model: 'claude-opus-4-8', system: 'Be brief.', ...agentOverrides });
    const env = await createEnvironment(t.client);
    return t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
  }

  it('runs a plain turn: thinking, message, usage, idle end_turn', async () => {
    const session = await newSession();
    fake.enqueue({
      content: [
        { type: 'thinking', thinking: 'The user greets me.' },
        { type: 'text', text: 'Hello there!' },
      ],
      usage: { input_tokens: 120, output_tokens: 30, cache_read_input_tokens: 10, cache_creation_input_tokens: 5 },
    });
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'Hi'));
    expect(typesOf(events)).toEqual([
      'user.message',
      'session.status_running',
      'span.model_request_start',
      'agent.thinking',
      'agent.message',
      'span.model_request_end',
      'session.status_idle',
    ]);
    const message = events.find((e) => e.type === 'agent.message');
    expect(message).toMatchObject({ content: [{ type: 'text', text: 'Hello there!' }] });
    const end = events.find((e) => e.type === 'span.model_request_end');
    expect(end).toMatchObject({
      is_error: false,
      model_request_start_id: events.find((e) => e.type === 'span.model_request_start')!.id,
      model_usage: { input_tokens: 120, output_tokens: 30, cache_read_input_tokens: 10, cache_creation_input_tokens: 5 },
    });
    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });

    const request = fake.requests.at(-1)!.body as Record<string, any>;
    expect(request.model).toBe('claude-opus-4-8');
    expect(request.thinking).toEqual({ type: 'adaptive' });
    expect(request.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'Hi', cache_control: { type: 'ephemeral' } }] },
    ]);
    expect(request.system).toEqual([{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }]);

    const after = await t.client.beta.sessions.retrieve(session.id);
    expect(after.status).toBe('idle');
    expect(after.usage).toMatchObject({ input_tokens: 120, output_tokens: 30, cache_read_input_tokens: 10 });
    const listed = (await t.client.beta.sessions.events.list(session.id)).data;
    expect(listed[0]).toMatchObject({ type: 'user.message', processed_at: expect.any(String) });
  });
});

// GET /metrics, scraped over real HTTP and parsed as the Prometheus text format: model, token and
// tool counters move by exactly what the scripted model and tools did.
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { TEST_API_KEY } from '../helpers/server.js';
import { scrape } from '../helpers/prometheus.js';
import { sendText, streamWhile } from '../helpers/turns.js';

describe.each(dialects())('prometheus metrics (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake, env: { AGENTD_SANDBOX: 'none' } }));
  const read = async () => {
    const r = await scrape(t.url, { 'x-api-key': TEST_API_KEY });
    expect(r.status).toBe(200);
    return r.scrape;
  };

  it('needs an API key, as x-api-key or Bearer; serves the text format with process metrics', async () => {
    expect((await scrape(t.url, {})).status).toBe(401);
    expect((await scrape(t.url, { authorization: 'Bearer sk-agentd-wrong' })).status).toBe(401);
    const bearer = await scrape(t.url, { authorization: `Bearer ${TEST_API_KEY}` });
    expect(bearer.status).toBe(200);
    expect(bearer.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(bearer.scrape.family('process_cpu_seconds_total')?.type).toBe('COUNTER');
    expect(bearer.scrape.family('nodejs_eventloop_lag_seconds')?.type).toBe('GAUGE');
    for (const name of [
      'agentd_model_requests_total',
      'agentd_model_tokens_total',
      'agentd_model_request_duration_seconds',
      'agentd_tool_calls_total',
      'agentd_tool_call_duration_seconds',
      'agentd_sessions',
      'agentd_events_appended_total',
      'agentd_http_requests_total',
      'agentd_http_request_duration_seconds',
    ]) {
      expect(bearer.scrape.family(name), name).toBeDefined();
    }
  });

  it('model, token, tool, event, session and HTTP figures move by exactly what happened', async () => {
    const agent = await createAgent(t.client, { model: 'claude-sonnet-4-6', tools: [{ type: 'agent_toolset_20260401' }] });
    const env = await createEnvironment(t.client);
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    const before = await read();

    fake.enqueue(
      {
        content: [{ type: 'tool_use', name: 'write', input: { file_path: '/workspace/a.txt', content: 'hello' } }],
        usage: { input_tokens: 1000, output_tokens: 50, cache_read_input_tokens: 300, cache_creation_input_tokens: 200 },
      },
      {
        content: [{ type: 'tool_use', name: 'read', input: { file_path: '/workspace/missing.txt' } }],
        usage: { input_tokens: 1100, output_tokens: 40, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
      },
      { error: { status: 529 } },
      { content: [{ type: 'text', text: 'Done.' }], usage: { input_tokens: 1200, output_tokens: 10, cache_read_input_tokens: 500, cache_creation_input_tokens: 0 } },
    );
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'Go'), undefined, 30_000);
    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    const results = events.filter((e) => e.type === 'agent.tool_result');
    expect(results.map((e) => e.is_error)).toEqual([false, true]);
    const after = await read();

    const delta = (name: string, labels: Record<string, string> = {}) => after.value(name, labels) - before.value(name, labels);
    const model = { model: 'claude-sonnet-4-6' };
    expect(delta('agentd_model_requests_total', { provider: 'anthropic', ...model, outcome: 'ok' })).toBe(3);
    expect(delta('agentd_model_requests_total', { provider: 'anthropic', ...model, outcome: 'model_overloaded_error' })).toBe(1);
    expect(delta('agentd_model_tokens_total', { ...model, type: 'input' })).toBe(3300);
    expect(delta('agentd_model_tokens_total', { ...model, type: 'output' })).toBe(100);
    expect(delta('agentd_model_tokens_total', { ...model, type: 'cache_read' })).toBe(800);
    expect(delta('agentd_model_tokens_total', { ...model, type: 'cache_creation' })).toBe(200);
    expect(after.count('agentd_model_request_duration_seconds', { provider: 'anthropic', ...model }) - before.count('agentd_model_request_duration_seconds', { provider: 'anthropic', ...model })).toBe(4);
    expect(delta('agentd_tool_calls_total', { tool: 'write', outcome: 'ok' })).toBe(1);
    expect(delta('agentd_tool_calls_total', { tool: 'read', outcome: 'error' })).toBe(1);
    expect(after.count('agentd_tool_call_duration_seconds', { tool: 'write' }) - before.count('agentd_tool_call_duration_seconds', { tool: 'write' })).toBe(1);
    // Every event the session logged was appended by this process.
    const logged = (await t.client.beta.sessions.events.list(session.id, { limit: 1000 })).data.length;
    expect(delta('agentd_events_appended_total')).toBe(logged);
    expect(after.value('agentd_sessions', { status: 'idle' })).toBeGreaterThanOrEqual(1);
    expect(delta('agentd_http_requests_total', { method: 'POST', route: '/v1/sessions/:session_id/events', status: '200' })).toBe(1);
    expect(after.count('agentd_http_request_duration_seconds', { method: 'GET', route: '/metrics' })).toBeGreaterThan(
      before.count('agentd_http_request_duration_seconds', { method: 'GET', route: '/metrics' }),
    );
  });

  it('gateway calls count too: /v1/messages moves the model and token counters by its usage', async () => {
    const before = await read();
    fake.enqueue({ content: [{ type: 'text', text: 'hi' }], usage: { input_tokens: 42, output_tokens: 7, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } });
    await t.client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'hello' }] });
    const after = await read();
    const delta = (name: string, labels: Record<string, string>) => after.value(name, labels) - before.value(name, labels);
    expect(delta('agentd_model_requests_total', { provider: 'anthropic', model: 'claude-haiku-4-5', outcome: 'ok' })).toBe(1);
    expect(delta('agentd_model_tokens_total', { model: 'claude-haiku-4-5', type: 'input' })).toBe(42);
    expect(delta('agentd_model_tokens_total', { model: 'claude-haiku-4-5', type: 'output' })).toBe(7);
  });

  it('the sessions gauge counts by status from the database', async () => {
    const before = (await read()).value('agentd_sessions', { status: 'idle' });
    const agent = await createAgent(t.client);
    const env = await createEnvironment(t.client);
    await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    expect((await read()).value('agentd_sessions', { status: 'idle' })).toBe(before + 2);
  });
});

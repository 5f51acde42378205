// `agentd serve` as a real process with the standard OTEL_* variables in its environment: the turn's
// spans reach a real OTLP/HTTP receiver, and spans still queued when the process is stopped (the
// batch delay here is longer than the test) are sent on shutdown.
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase, dialects } from '../helpers/databases.js';
import { useFakeAnthropic } from '../helpers/use.js';
import { TEST_API_KEY, TEST_MODEL_KEY } from '../helpers/server.js';
import { startServeProcess } from '../helpers/serve-process.js';
import { sendText, streamWhile } from '../helpers/turns.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';

describe.each(dialects())('agentd serve with OTEL_EXPORTER_OTLP_ENDPOINT (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  let receiver: OtlpReceiver;
  let database: { url: string; drop: () => Promise<void> } | undefined;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    if (dialect === 'postgres') database = await createPostgresDatabase();
  });
  afterAll(async () => {
    await receiver.close();
    await database?.drop();
  });

  it('exports the turn’s spans over OTLP/HTTP protobuf, the last ones on shutdown', async () => {
    const server = await startServeProcess({
      AGENTD_API_KEY: TEST_API_KEY,
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_API_KEY: TEST_MODEL_KEY,
      AGENTD_SANDBOX: 'none',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      // Nothing leaves before the process stops: what the receiver gets was sent on shutdown.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      ...(database ? { DATABASE_URL: database.url } : {}),
    });
    let sessionId = '';
    let agentId = '';
    try {
      const client = new Anthropic({ baseURL: server.url, apiKey: TEST_API_KEY, maxRetries: 0 });
      const environment = await client.beta.environments.create({ name: 'otel-env' });
      const agent = await client.beta.agents.create({ name: 'otel-agent', model: 'claude-sonnet-4-6', tools: [{ type: 'agent_toolset_20260401' }] });
      agentId = agent.id;
      const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
      sessionId = session.id;
      fake.enqueue(
        { content: [{ type: 'tool_use', name: 'write', input: { file_path: '/workspace/x.txt', content: 'x' } }], usage: { input_tokens: 10, output_tokens: 5 } },
        { content: [{ type: 'text', text: 'Done.' }], usage: { input_tokens: 20, output_tokens: 3 } },
      );
      const events = await streamWhile(client, session.id, () => sendText(client, session.id, 'Go'), undefined, 30_000);
      expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
      expect(receiver.spans().filter((s) => s.attributes['gen_ai.conversation.id'] === session.id)).toEqual([]);
    } finally {
      await server.stop();
    }
    const spans = receiver.spans().filter((s) => s.attributes['gen_ai.conversation.id'] === sessionId);
    const turn = spans.find((s) => s.name === 'invoke_agent otel-agent');
    expect(turn).toMatchObject({ attributes: { 'gen_ai.agent.id': agentId, 'gen_ai.agent.name': 'otel-agent' } });
    // The turn's parent is the request that woke it, a root server span.
    expect(receiver.spans().find((s) => s.spanId === turn!.parentSpanId)).toMatchObject({ name: 'POST /v1/sessions/:session_id/events', kind: 2, parentSpanId: '' });
    expect(turn!.resource['service.name']).toBe('agentd');
    const chats = spans.filter((s) => s.name === 'chat claude-sonnet-4-6');
    expect(chats.map((c) => c.attributes['gen_ai.usage.input_tokens']).sort()).toEqual([10, 20]);
    expect(chats.every((c) => c.parentSpanId === turn!.spanId && c.traceId === turn!.traceId)).toBe(true);
    const tool = spans.find((s) => s.name === 'execute_tool write');
    expect(tool).toMatchObject({ parentSpanId: turn!.spanId, attributes: { 'gen_ai.tool.name': 'write' } });
    expect(receiver.exports.every((e) => e.contentType.startsWith('application/x-protobuf') && e.path === '/v1/traces')).toBe(true);
  }, 120_000);
});

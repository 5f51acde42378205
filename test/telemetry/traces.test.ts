// OpenTelemetry traces exported by the OTEL_* exporter to a real OTLP/HTTP receiver on loopback,
// in protobuf (the default) and JSON: the GenAI spans of a turn (invoke_agent → chat, execute_tool)
// with their attributes and links, a caller's traceparent continued, the trace id in log lines, and
// a collector that is down changing nothing for the session.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { sendText, streamWhile } from '../helpers/turns.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { scrape } from '../helpers/prometheus.js';
import { TEST_API_KEY } from '../helpers/server.js';

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

function useReceiver(): OtlpReceiver {
  let receiver: OtlpReceiver | undefined;
  beforeAll(async () => {
    receiver = await startOtlpReceiver();
  });
  afterAll(async () => receiver?.close());
  return new Proxy({} as OtlpReceiver, {
    get: (_t, prop) => {
      const v = Reflect.get(receiver!, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(receiver) : v;
    },
  });
}

/** A port nothing listens on (a collector that is down). */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe.each(dialects())('OpenTelemetry traces (%s)', (dialect) => {
  describe.each([
    ['http/protobuf', 'application/x-protobuf'],
    ['http/json', 'application/json'],
  ])('OTEL_EXPORTER_OTLP_ENDPOINT, protocol %s', (protocol, contentType) => {
    const lines: Array<Record<string, unknown>> = [];
    const logSink = (text: string) => {
      for (const l of text.split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
    };
    const fake = useFakeAnthropic();
    const receiver = useReceiver();
    const t = useServer(dialect, () => ({
      model: fake,
      logSink,
      env: {
        AGENTD_SANDBOX: 'none',
        OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}/otlp`,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20collector-token',
        OTEL_SERVICE_NAME: 'agentd-under-test',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    }));

    it('a turn is an invoke_agent span with chat and execute_tool children, continuing the caller’s trace', async () => {
      const agent = await createAgent(t.client, { name: 'Tracer', model: 'claude-sonnet-4-6', tools: [{ type: 'agent_toolset_20260401' }] });
      const env = await createEnvironment(t.client);
      const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
      fake.enqueue(
        {
          content: [{ type: 'tool_use', name: 'write', input: { file_path: '/workspace/a.txt', content: 'hello' } }],
          usage: { input_tokens: 1000, output_tokens: 50, cache_read_input_tokens: 300, cache_creation_input_tokens: 200 },
        },
        {
          content: [{ type: 'tool_use', name: 'read', input: { file_path: '/workspace/missing.txt' } }],
          usage: { input_tokens: 1100, output_tokens: 40, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
        },
        { content: [{ type: 'text', text: 'Done.' }], usage: { input_tokens: 1200, output_tokens: 10, cache_read_input_tokens: 500, cache_creation_input_tokens: 0 } },
      );
      const traceparent = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;
      let requestId: string | null = null;
      const events = await streamWhile(t.client, session.id, async () => {
        const sent = await t.client.beta.sessions.events
          .send(session.id, { events: [{ type: 'user.message', content: [{ type: 'text', text: 'Go' }] }] }, { headers: { traceparent } })
          .withResponse();
        requestId = sent.response.headers.get('request-id');
      }, undefined, 30_000);
      expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });

      const turn = await receiver.waitFor((s) => s.name === 'invoke_agent Tracer' && s.attributes['gen_ai.conversation.id'] === session.id);
      // The caller's trace continues: the request is a server span under the span its traceparent
      // named, and the turn it woke is the request's child.
      const request = await receiver.waitFor((s) => s.name === 'POST /v1/sessions/:session_id/events' && s.traceId === CALLER_TRACE);
      expect(request).toMatchObject({ parentSpanId: CALLER_SPAN, kind: 2 });
      expect(request.attributes).toMatchObject({
        'http.request.method': 'POST',
        'http.route': '/v1/sessions/:session_id/events',
        'url.path': `/v1/sessions/${session.id}/events`,
        'http.response.status_code': 200,
      });
      expect(turn).toMatchObject({ traceId: CALLER_TRACE, parentSpanId: request.spanId, kind: 1 });
      expect(turn.attributes).toMatchObject({
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.agent.id': agent.id,
        'gen_ai.agent.name': 'Tracer',
        'gen_ai.conversation.id': session.id,
        'gen_ai.request.model': 'claude-sonnet-4-6',
      });
      expect(turn.resource['service.name']).toBe('agentd-under-test');

      const inTurn = (name: string) => receiver.spans().filter((s) => s.traceId === CALLER_TRACE && s.name.startsWith(name));
      const children = async (name: string, n: number) => {
        const deadline = Date.now() + 30_000;
        while (inTurn(name).length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        return inTurn(name);
      };
      const chats = await children('chat ', 3);
      expect(chats).toHaveLength(3);
      for (const c of chats) {
        expect(c.parentSpanId).toBe(turn.spanId);
        expect(c.kind).toBe(3);
        expect(c.attributes).toMatchObject({
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'anthropic',
          'gen_ai.request.model': 'claude-sonnet-4-6',
          'gen_ai.response.model': 'claude-sonnet-4-6',
          'gen_ai.conversation.id': session.id,
          'gen_ai.agent.id': agent.id,
          'gen_ai.agent.name': 'Tracer',
        });
      }
      const byInput = (n: number) => chats.find((c) => c.attributes['gen_ai.usage.input_tokens'] === n)!;
      expect(byInput(1000).attributes).toMatchObject({
        'gen_ai.usage.output_tokens': 50,
        'gen_ai.usage.cache_read.input_tokens': 300,
        'gen_ai.usage.cache_creation.input_tokens': 200,
        'gen_ai.response.finish_reasons': ['tool_use'],
      });
      expect(byInput(1200).attributes).toMatchObject({ 'gen_ai.usage.output_tokens': 10, 'gen_ai.response.finish_reasons': ['end_turn'] });
      // Metadata only: no prompt or completion text leaves with the OTEL_* exporter.
      for (const c of chats) expect(c.attributes['gen_ai.input.messages']).toBeUndefined();

      const tools = await children('execute_tool ', 2);
      const toolUses = events.filter((e) => e.type === 'agent.tool_use');
      expect(toolUses).toHaveLength(2);
      const write = tools.find((s) => s.attributes['gen_ai.tool.name'] === 'write')!;
      const read = tools.find((s) => s.attributes['gen_ai.tool.name'] === 'read')!;
      for (const s of [write, read]) {
        expect(s.parentSpanId).toBe(turn.spanId);
        expect(s.attributes).toMatchObject({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.conversation.id': session.id, 'gen_ai.agent.id': agent.id });
        expect(String(s.attributes['gen_ai.tool.call.id'])).toMatch(/^toolu_/);
      }
      expect(write.status.code).not.toBe(2);
      expect(write.attributes['error.type']).toBeUndefined();
      // Reading a missing file is an is_error result: an error span with its type.
      expect(read.status.code).toBe(2);
      expect(read.attributes['error.type']).toBe('tool_error');

      // Delivered as the protocol says, to the path under the endpoint, with the configured headers.
      const delivery = receiver.exports.find((e) => e.spans.some((s) => s.spanId === turn.spanId))!;
      expect(delivery.contentType).toContain(contentType);
      expect(delivery.path).toBe('/otlp/v1/traces');
      expect(delivery.headers['authorization']).toBe('Bearer collector-token');

      // Log lines of the request and of the turn carry the trace id.
      expect(requestId).toMatch(/^req_/);
      // The request's own lines (a turn's lines carry the turn's span id, and the session's id).
      const requestLines = lines.filter((l) => l['request_id'] === requestId && l['session_id'] === undefined);
      expect(requestLines.length).toBeGreaterThan(0);
      for (const l of requestLines) expect(l, JSON.stringify(l)).toMatchObject({ trace_id: CALLER_TRACE, span_id: request.spanId });
      const stepLines = lines.filter((l) => l['msg'] === 'engine step' && l['session_id'] === session.id);
      expect(stepLines.length).toBeGreaterThan(4);
      for (const l of stepLines) expect(l, JSON.stringify(l)).toMatchObject({ trace_id: CALLER_TRACE });
      const toolLine = lines.find((l) => l['tool'] === 'write' && l['session_id'] === session.id);
      expect(toolLine).toMatchObject({ trace_id: CALLER_TRACE, span_id: turn.spanId });
    });

    it('a multi-agent thread’s turn is an invoke_agent span under the coordinator’s, with its own chat span', async () => {
      const reviewer = await createAgent(t.client, { name: 'Reviewer', system: 'REVIEWER' });
      const coordinator = await createAgent(t.client, { name: 'Coordinator', multiagent: { type: 'coordinator', agents: [reviewer.id] } });
      const env = await createEnvironment(t.client);
      const session = await t.client.beta.sessions.create({ agent: coordinator.id, environment_id: env.id });
      fake.enqueue(
        { content: [{ type: 'tool_use', name: 'call_agent', input: { agent: 'Reviewer', message: 'Review it' } }] },
        { content: [{ type: 'text', text: 'LGTM' }], usage: { input_tokens: 77, output_tokens: 7 } },
        { content: [{ type: 'text', text: 'Approved.' }] },
      );
      const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'Get it reviewed'), undefined, 30_000);
      expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
      const threadId = (events.find((e) => e.type === 'session.thread_created') as { session_thread_id: string }).session_thread_id;
      const ofSession = (s: { attributes: Record<string, unknown> }) => s.attributes['gen_ai.conversation.id'] === session.id;
      const top = await receiver.waitFor((s) => s.name === 'invoke_agent Coordinator' && ofSession(s));
      const child = await receiver.waitFor((s) => s.name === 'invoke_agent Reviewer' && ofSession(s));
      expect(child).toMatchObject({ traceId: top.traceId, parentSpanId: top.spanId });
      expect(child.attributes).toMatchObject({ 'gen_ai.agent.id': reviewer.id, 'gen_ai.agent.name': 'Reviewer', 'agentd.thread.id': threadId });
      expect(top.attributes['agentd.thread.id']).toBeUndefined();
      const childChat = await receiver.waitFor((s) => s.name.startsWith('chat ') && ofSession(s) && s.attributes['gen_ai.usage.input_tokens'] === 77);
      expect(childChat).toMatchObject({ parentSpanId: child.spanId, attributes: { 'gen_ai.agent.id': reviewer.id, 'agentd.thread.id': threadId } });
    });

    it('a gateway Messages call is a chat span under its request’s span; count_tokens makes none', async () => {
      fake.enqueue({ content: [{ type: 'text', text: 'pong' }], usage: { input_tokens: 33, output_tokens: 4 } });
      const traceId = 'aaaabbbbccccddddeeeeffff00001111';
      const message = await t.client.messages.create(
        { model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'ping' }] },
        { headers: { traceparent: `00-${traceId}-${CALLER_SPAN}-01` } },
      );
      const request = await receiver.waitFor((s) => s.traceId === traceId && s.name === 'POST /v1/messages');
      const chat = await receiver.waitFor((s) => s.traceId === traceId && s.name === 'chat claude-sonnet-4-6');
      expect(request.parentSpanId).toBe(CALLER_SPAN);
      expect(chat).toMatchObject({ parentSpanId: request.spanId, kind: 3 });
      expect(chat.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.request.model': 'claude-sonnet-4-6',
        'gen_ai.response.model': 'claude-sonnet-4-6',
        'gen_ai.response.id': message.id,
        'gen_ai.usage.input_tokens': 33,
        'gen_ai.usage.output_tokens': 4,
        'gen_ai.response.finish_reasons': ['end_turn'],
      });
      const counted = 'aaaabbbbccccddddeeeeffff00002222';
      await t.client.messages.countTokens({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'ping' }] }, { headers: { traceparent: `00-${counted}-${CALLER_SPAN}-01` } });
      await receiver.waitFor((s) => s.traceId === counted && s.name === 'POST /v1/messages/count_tokens');
      expect(receiver.spans().filter((s) => s.traceId === counted && s.name.startsWith('chat '))).toEqual([]);
    });

    it('without a traceparent the request starts a trace, with the turn in it, and their lines carry it', async () => {
      const agent = await createAgent(t.client, { name: 'Solo' });
      const env = await createEnvironment(t.client);
      const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
      fake.enqueue({ content: [{ type: 'text', text: 'hi' }] });
      let requestId: string | null = null;
      await streamWhile(t.client, session.id, async () => {
        requestId = (await sendText(t.client, session.id, 'hello').withResponse()).response.headers.get('request-id');
      }, undefined, 30_000);
      const turn = await receiver.waitFor((s) => s.name === 'invoke_agent Solo' && s.attributes['gen_ai.conversation.id'] === session.id);
      const request = await receiver.waitFor((s) => s.spanId === turn.parentSpanId);
      expect(request).toMatchObject({ name: 'POST /v1/sessions/:session_id/events', parentSpanId: '', traceId: turn.traceId });
      expect(turn.traceId).not.toBe(CALLER_TRACE);
      const requestLines = lines.filter((l) => l['request_id'] === requestId && l['msg'] !== 'engine step' && l['session_id'] === undefined);
      expect(requestLines.length).toBeGreaterThan(0);
      for (const l of requestLines) expect(l, JSON.stringify(l)).toMatchObject({ trace_id: turn.traceId, span_id: request.spanId });
      const chat = await receiver.waitFor((s) => s.traceId === turn.traceId && s.name.startsWith('chat '));
      expect(chat.parentSpanId).toBe(turn.spanId);
      const stepLines = lines.filter((l) => l['msg'] === 'engine step' && l['session_id'] === session.id);
      expect(stepLines.length).toBeGreaterThan(0);
      for (const l of stepLines) expect(l['trace_id']).toBe(turn.traceId);
    });
  });

  describe('collector down', () => {
    const fake = useFakeAnthropic();
    let port = 0;
    beforeAll(async () => {
      port = await closedPort();
    });
    const t = useServer(dialect, () => ({
      model: fake,
      env: { AGENTD_SANDBOX: 'none', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${port}/v1/traces`, OTEL_BSP_SCHEDULE_DELAY: '50' },
    }));

    it('changes nothing for the session; the spans are dropped and counted', async () => {
      const agent = await createAgent(t.client, { tools: [{ type: 'agent_toolset_20260401' }] });
      const env = await createEnvironment(t.client);
      const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
      fake.enqueue(
        { content: [{ type: 'tool_use', name: 'write', input: { file_path: '/workspace/a.txt', content: 'x' } }] },
        { content: [{ type: 'text', text: 'Done.' }] },
      );
      const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'Go'), undefined, 30_000);
      expect(events.map((e) => e.type)).toEqual(
        expect.arrayContaining(['session.status_running', 'agent.tool_use', 'agent.tool_result', 'agent.message', 'session.status_idle']),
      );
      expect(events.find((e) => e.type === 'agent.tool_result')).toMatchObject({ is_error: false });
      expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
      expect((await t.client.beta.sessions.retrieve(session.id)).status).toBe('idle');
      // The exporter gives up on the batch (after its own retries) and the drop is counted.
      const deadline = Date.now() + 60_000;
      let dropped = 0;
      while (Date.now() < deadline) {
        const r = await scrape(t.url, { 'x-api-key': TEST_API_KEY });
        dropped = r.scrape.value('agentd_trace_spans_dropped_total', { target: 'env', reason: 'export_failed' });
        // invoke_agent, two chats and execute_tool, in however many batches.
        if (dropped >= 4) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(dropped).toBeGreaterThanOrEqual(4);
    }, 90_000);
  });
});


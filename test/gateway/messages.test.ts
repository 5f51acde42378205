// The Messages API through agentd's gateway, driven by the official SDK against the scripted upstream.
import Anthropic, { toFile } from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { expectEnvelope, failure } from '../helpers/errors.js';
import { conversation, conversationWithCalls, eventually } from '../helpers/gateway.js';
import { TEST_API_KEY } from '../helpers/server.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';

const MODEL = 'claude-sonnet-4-6';
// 1x1 transparent PNG.
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

/** SSE frames of a raw response body: [event, data] pairs in order. */
async function sseFrames(res: Response): Promise<Array<[string, unknown]>> {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((f) => f.trim() !== '')
    .map((f) => {
      const event = /^event: (.*)$/m.exec(f)?.[1] ?? '';
      const data = /^data: (.*)$/m.exec(f)?.[1] ?? 'null';
      return [event, JSON.parse(data) as unknown];
    });
}

describe.each(dialects())('gateway: Messages API (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake }));
  const direct = () => new Anthropic({ baseURL: fake.url, apiKey: 'sk-test-model-key', maxRetries: 0 });

  it('messages.create passes the request through and the reply back, beta headers included', async () => {
    fake.enqueue({ content: [{ type: 'text', text: 'Hello from upstream' }], usage: { input_tokens: 12, output_tokens: 4 } });
    const message = await t.client.beta.messages.create({
      model: MODEL,
      max_tokens: 64,
      metadata: { user_id: 'user-create' },
      messages: [{ role: 'user', content: 'Hi' }],
      betas: ['some-future-beta-2099-01-01'],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'Hello from upstream' }]);
    expect(message.usage).toMatchObject({ input_tokens: 12, output_tokens: 4 });
    const upstream = fake.requests.at(-1)!;
    expect(upstream.headers['anthropic-beta']).toBe('some-future-beta-2099-01-01');
    // agentd's own provider credentials go upstream, never the client's key.
    expect(upstream.headers['authorization'] ?? upstream.headers['x-api-key']).toMatch(/sk-test-model-key/);
    expect(JSON.stringify(upstream.headers)).not.toContain(TEST_API_KEY);
    expect(upstream.body).toEqual({ model: MODEL, max_tokens: 64, metadata: { user_id: 'user-create' }, messages: [{ role: 'user', content: 'Hi' }] });
  });

  it('messages.stream yields exactly the upstream events and deltas, pings included, without buffering', async () => {
    const script = {
      content: [
        { type: 'thinking' as const, thinking: 'Let me think about the weather in Paris.' },
        { type: 'text' as const, text: 'It is sunny in Paris today, with a light breeze from the west.' },
        { type: 'tool_use' as const, id: 'toolu_fixed_1', name: 'get_weather', input: { city: 'Paris', unit: 'celsius' } },
      ],
      usage: { input_tokens: 50, output_tokens: 40, cache_read_input_tokens: 7 },
    };
    const params = {
      model: MODEL,
      max_tokens: 2048,
      thinking: { type: 'enabled' as const, budget_tokens: 1024 },
      tools: [{ name: 'get_weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } }],
      messages: [{ role: 'user' as const, content: 'Weather in Paris?' }],
    };
    const collect = async (client: Anthropic) => {
      const stream = client.messages.stream(params);
      const events: unknown[] = [];
      for await (const e of stream) events.push(e);
      return { events, final: await stream.finalMessage() };
    };
    fake.enqueue(script, script);
    const viaDirect = await collect(direct());
    const viaAgentd = await collect(t.client);
    const normalise = (events: unknown[], id: string) => JSON.parse(JSON.stringify(events).replaceAll(id, 'msg_X').replace(/"signature":"[^"]*"/g, '"signature":"S"'));
    expect(normalise(viaAgentd.events, viaAgentd.final.id)).toEqual(normalise(viaDirect.events, viaDirect.final.id));
    expect(viaAgentd.final.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use']);

    // On the wire: the same frame sequence the upstream sends (the SDK hides pings).
    fake.enqueue({ content: [{ type: 'text', text: 'pong' }] });
    const res = await fetch(`${t.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': TEST_API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: MODEL, max_tokens: 32, stream: true, messages: [{ role: 'user', content: 'ping?' }] }),
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    const frames = await sseFrames(res);
    expect(frames.map(([e]) => e)).toEqual([
      'message_start',
      'ping',
      'content_block_start',
      ...Array(frames.length - 6).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(frames.every(([event, data]) => (data as { type: string }).type === event)).toBe(true);
  });

  it('keeps a multi-turn tool conversation exact: parallel tool calls, results with text and images', async () => {
    const tools = [
      { name: 'get_weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } },
      { name: 'get_photo', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } },
    ];
    const system = 'You are a travel assistant.';
    const metadata = { user_id: 'traveller-1' };
    fake.enqueue({
      content: [
        { type: 'text', text: 'Let me look both up.' },
        { type: 'tool_use', name: 'get_weather', input: { city: 'Oslo' } },
        { type: 'tool_use', name: 'get_photo', input: { city: 'Oslo' } },
      ],
      usage: { input_tokens: 100, output_tokens: 30, cache_creation_input_tokens: 20 },
    });
    const history: Anthropic.MessageParam[] = [{ role: 'user', content: 'Weather and a photo of Oslo, please.' }];
    const first = await t.client.messages.create({ model: MODEL, max_tokens: 512, system, metadata, tools, messages: history });
    expect(first.stop_reason).toBe('tool_use');
    const uses = first.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    expect(uses.map((u) => u.name)).toEqual(['get_weather', 'get_photo']);

    history.push({ role: 'assistant', content: first.content });
    history.push({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: uses[0]!.id, content: [{ type: 'text', text: '4°C, light snow' }] },
        {
          type: 'tool_result',
          tool_use_id: uses[1]!.id,
          content: [
            { type: 'text', text: 'Harbour at dusk' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
          ],
        },
      ],
    });
    fake.enqueue((req) => {
      // The upstream sees every tool_use answered by its tool_result, content parts intact.
      const last = req.body.messages.at(-1)!;
      const ids = (last.content as Array<{ type: string; tool_use_id?: string }>).map((b) => b.tool_use_id);
      return {
        content: [{ type: 'text', text: `Answered ${ids.join(',')}: snowy harbour.` }],
        usage: { input_tokens: 200, output_tokens: 12, cache_read_input_tokens: 20 },
      };
    });
    const second = await t.client.messages.create({ model: MODEL, max_tokens: 512, system, metadata, tools, messages: history });
    expect(second.content[0]).toMatchObject({ type: 'text', text: `Answered ${uses[0]!.id},${uses[1]!.id}: snowy harbour.` });
    const sent = fake.requests.at(-1)!.body.messages;
    expect(sent).toEqual(JSON.parse(JSON.stringify(history)));

    // Both calls form one conversation (same user, system and first turn), with the upstream's usage summed.
    const listed = await eventually('the conversation', async () => {
      const res = await fetch(`${t.url}/v1/gateway/conversations?limit=100`, { headers: { 'x-api-key': TEST_API_KEY } });
      const page = (await res.json()) as { data: Array<{ id: string; user_id: string; call_count: number }> };
      return page.data.find((c) => c.user_id === 'traveller-1' && c.call_count === 2);
    });
    const convo = await conversationWithCalls(t.url, listed.id, 2);
    expect(convo).toMatchObject({
      source: 'prefix',
      user_id: 'traveller-1',
      call_count: 2,
      errored_call_count: 0,
      usage: {
        input_tokens: 300,
        output_tokens: 42,
        cache_read_input_tokens: 20,
        cache_creation: { ephemeral_5m_input_tokens: 20, ephemeral_1h_input_tokens: 0 },
      },
    });
    // Sonnet 4.6 list prices: $3 in, $15 out, $3.75 5-minute cache writes, $0.30 cache reads (per million tokens).
    const expectedNano = 300 * 3000 + 42 * 15000 + 20 * 3750 + 20 * 300;
    expect(convo.list_cost_nanousd).toBe(expectedNano);
    expect(convo.calls.map((c) => [c.product, c.call_kind, c.stop_reason, c.tool_names])).toEqual([
      ['messages_api', 'message', 'tool_use', ['get_weather', 'get_photo']],
      ['messages_api', 'message', 'end_turn', []],
    ]);
  });

  it("groups calls by the agentd-conversation-id header, whatever their content", async () => {
    fake.enqueue({ content: [{ type: 'text', text: 'one' }], usage: { input_tokens: 5, output_tokens: 1 } });
    fake.enqueue({ content: [{ type: 'text', text: 'two' }], usage: { input_tokens: 7, output_tokens: 2 } });
    const headers = { 'agentd-conversation-id': `support-ticket-${dialect}` };
    await t.client.messages.create({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'first' }] }, { headers });
    await t.client.messages.create({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'unrelated' }] }, { headers });
    const convo = await conversationWithCalls(t.url, `support-ticket-${dialect}`, 2);
    expect(convo).toMatchObject({ source: 'header', usage: { input_tokens: 12, output_tokens: 3 } });
  });

  it("the SDK's toolRunner completes a tool loop through agentd (threaded), as one conversation", async () => {
    fake.enqueue(
      { content: [{ type: 'tool_use', name: 'add', input: { a: 2, b: 3 } }], usage: { input_tokens: 40, output_tokens: 10 } },
      { content: [{ type: 'text', text: '2 + 3 = 5' }], usage: { input_tokens: 60, output_tokens: 8 } },
    );
    const runner = t.client.beta.messages.toolRunner({
      model: MODEL,
      max_tokens: 256,
      metadata: { user_id: 'runner-user' },
      messages: [{ role: 'user', content: 'What is 2 + 3?' }],
      tools: [
        {
          name: 'add',
          description: 'Adds two numbers',
          input_schema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
          run: (input: unknown) => {
            const { a, b } = input as { a: number; b: number };
            return String(a + b);
          },
        },
      ],
    });
    const final = await runner.runUntilDone();
    expect(final.content).toEqual([{ type: 'text', text: '2 + 3 = 5' }]);
    const second = fake.requests.at(-1)!;
    const ids = await eventually('both runner calls in the ledger', async () => {
      const res = await fetch(`${t.url}/v1/gateway/conversations?user_id=runner-user`, { headers: { 'x-api-key': TEST_API_KEY } });
      const page = (await res.json()) as { data: Array<{ id: string; call_count: number }> };
      return page.data.length === 1 && page.data[0]!.call_count === 2 ? page.data.map((c) => c.id) : undefined;
    });
    const convo = await conversation(t.url, ids[0]!);
    expect(convo.usage).toMatchObject({ input_tokens: 100, output_tokens: 18 });
    // The runner threads: its second call sends only the tool result and names the reply it continues.
    expect(second.body['thread']).toMatchObject({ type: 'continue', previous_message_id: expect.stringMatching(/^msg_/) });
    expect(convo.calls.map((c) => c.tool_names)).toEqual([['add'], []]);
  });

  it('countTokens answers from the upstream (plain and beta) and is recorded without tokens', async () => {
    const body = { model: MODEL, messages: [{ role: 'user' as const, content: 'How many tokens is this?' }] };
    const counted = await t.client.messages.countTokens(body);
    expect(counted.input_tokens).toBeGreaterThan(0);
    expect((await direct().messages.countTokens(body)).input_tokens).toBe(counted.input_tokens);
    const betaBody = { ...body, betas: ['token-counting-2024-11-01'] };
    await direct().beta.messages.countTokens(betaBody);
    const sentDirectly = fake.requests.at(-1)!.headers['anthropic-beta'];
    const beta = await t.client.beta.messages.countTokens(betaBody);
    expect(beta.input_tokens).toBe(counted.input_tokens);
    // The client's anthropic-beta values reach the upstream exactly as the SDK sends them.
    expect(fake.requests.at(-1)!.headers['anthropic-beta']).toBe(sentDirectly);
  });

  it('resolves a file-sourced document block from agentd\'s Files API before it goes upstream', async () => {
    const file = await t.client.beta.files.upload({ file: await toFile(Buffer.from('Quarterly revenue: 42 units.'), 'report.txt', { type: 'text/plain' }) });
    const pdf = await t.client.beta.files.upload({ file: await toFile(Buffer.from('%PDF-1.4 tiny'), 'tiny.pdf', { type: 'application/pdf' }) });
    fake.enqueue({ content: [{ type: 'text', text: 'Revenue was 42 units.' }] });
    await t.client.beta.messages.create({
      model: MODEL,
      max_tokens: 64,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'document', source: { type: 'file', file_id: file.id }, title: 'Report' },
            { type: 'document', source: { type: 'file', file_id: pdf.id } },
            { type: 'text', text: 'What was the revenue?' },
          ],
        },
      ],
    });
    expect(fake.requests.at(-1)!.body.messages[0]!.content).toEqual([
      { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'Quarterly revenue: 42 units.' }, title: 'Report' },
      { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: Buffer.from('%PDF-1.4 tiny').toString('base64') } },
      { type: 'text', text: 'What was the revenue?' },
    ]);

    // Deeper in a conversation too: an image a tool returned, inside its tool_result, in the third message.
    const photo = await t.client.beta.files.upload({ file: await toFile(Buffer.from(PNG, 'base64'), 'photo.png', { type: 'image/png' }) });
    fake.enqueue({ content: [{ type: 'text', text: 'A harbour.' }] });
    await t.client.beta.messages.create({
      model: MODEL,
      max_tokens: 64,
      messages: [
        { role: 'user', content: 'Show me the photo.' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_photo', name: 'get_photo', input: {} }] },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_photo', content: [{ type: 'text', text: 'here' }, { type: 'image', source: { type: 'file', file_id: photo.id } }] },
          ],
        },
      ],
      tools: [{ name: 'get_photo', input_schema: { type: 'object', properties: {} } }],
    });
    expect(fake.requests.at(-1)!.body.messages[2]!.content).toEqual([
      { type: 'tool_result', tool_use_id: 'toolu_photo', content: [{ type: 'text', text: 'here' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }] },
    ]);

    const missing = await failure(
      t.client.beta.messages.create({
        model: MODEL,
        max_tokens: 64,
        messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'file_nope' } }] }],
      }),
    );
    expectEnvelope(missing, 400, 'invalid_request_error');
    expect(missing.error.error.message).toMatch(/^messages\.0\.content\.0\.source\.file_id: file file_nope not found/);
  });

  it('surfaces upstream 529 and 429 with their envelope, status and retry headers; upstream 400 unchanged', async () => {
    fake.enqueue({ error: { status: 529 } });
    const overloaded = await failure(t.client.messages.create({ model: MODEL, max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }));
    expect(overloaded).toBeInstanceOf(Anthropic.InternalServerError);
    expectEnvelope(overloaded, 529, 'overloaded_error');
    expect(overloaded.error.error.message).toBe('Overloaded');
    expect(overloaded.requestID).toMatch(/^req_/);
    expect(overloaded.error.request_id).toBe(overloaded.requestID);

    fake.enqueue({ error: { status: 429, retryAfter: 17, headers: { 'anthropic-ratelimit-requests-remaining': '0' } } });
    const limited = await failure(t.client.messages.create({ model: MODEL, max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }));
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expectEnvelope(limited, 429, 'rate_limit_error');
    expect(limited.headers.get('retry-after')).toBe('17');
    expect(limited.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');

    // Streaming calls fail the same way before the stream starts.
    fake.enqueue({ error: { status: 529 } });
    const streamed = await failure(t.client.messages.create({ model: MODEL, max_tokens: 8, stream: true, messages: [{ role: 'user', content: 'x' }] }));
    expectEnvelope(streamed, 529, 'overloaded_error');

    const invalid = await failure(t.client.messages.create({ model: MODEL, max_tokens: 8, messages: [] }));
    expectEnvelope(invalid, 400, 'invalid_request_error');
    expect(invalid.error.error.message).toMatch(/messages/);
  });

  it('a client that leaves mid-stream cancels the upstream call, and the ledger says so', async () => {
    const words = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    fake.enqueue({ content: [{ type: 'text', text: words }], chunkDelayMs: 30 });
    const before = fake.requests.length;
    const controller = new AbortController();
    const stream = t.client.messages.stream(
      { model: MODEL, max_tokens: 256, messages: [{ role: 'user', content: 'Talk slowly' }] },
      { signal: controller.signal, headers: { 'agentd-conversation-id': `leaver-${dialect}` } },
    );
    for await (const e of stream) {
      if (e.type === 'content_block_delta') break;
    }
    controller.abort();
    await fake.waitForIdle(10_000);
    expect(fake.requests[before]!.response.outcome).toBe('client_disconnected');
    const convo = await conversationWithCalls(t.url, `leaver-${dialect}`, 1);
    expect(convo.calls[0]).toMatchObject({ streamed: true, outcome: 'incomplete' });
  });

  it('models.list and retrieve serve the model table with context windows', async () => {
    const ids: string[] = [];
    for await (const m of t.client.models.list({ limit: 3 })) ids.push(m.id);
    expect(ids).toContain('claude-opus-4-8');
    expect(ids).toContain('claude-haiku-4-5-20251001');
    expect(new Set(ids).size).toBe(ids.length);
    const opus = await t.client.models.retrieve('claude-opus-4-8');
    expect(opus).toMatchObject({ id: 'claude-opus-4-8', display_name: 'Claude Opus 4.8', max_input_tokens: 1_000_000, max_tokens: 128_000 });
    expect((await t.client.models.retrieve('claude-haiku-4-5')).id).toBe('claude-haiku-4-5-20251001');
    expectEnvelope(await failure(t.client.models.retrieve('claude-nonexistent-1')), 404, 'not_found_error');
  });
});

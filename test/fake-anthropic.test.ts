// Self-test of the fake Messages API: the official SDK must work against it exactly as against the real one.
import Anthropic from '@anthropic-ai/sdk';
import { betaZodTool } from '@anthropic-ai/sdk/helpers/beta/zod';
import type {
  BetaMessage,
  BetaMessageParam,
  MessageCreateParamsNonStreaming,
} from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { startFakeAnthropic, validateRequest, type FakeAnthropic } from './helpers/fake-anthropic/index.js';

const MODEL = 'claude-sonnet-4-6';

let fake: FakeAnthropic;
let client: Anthropic;

beforeEach(async () => {
  fake = await startFakeAnthropic();
  client = new Anthropic({ baseURL: fake.url, apiKey: 'test', maxRetries: 0 });
});

afterEach(async () => {
  await fake.close();
});

/** The API error body the SDK attached to an error (`{type:'error', error:{type, message}, request_id}`). */
function envelopeOf(err: unknown): { type: string; error: { type: string; message: string }; request_id: string } {
  expect(err).toBeInstanceOf(Anthropic.APIError);
  return (err as InstanceType<typeof Anthropic.APIError>).error as never;
}

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

/** Sends `messages` through the SDK and expects a 400 whose message contains `fragment`. */
async function expectRejected(messages: BetaMessageParam[], fragment: string, extra: Record<string, unknown> = {}): Promise<void> {
  const err = await caught(client.beta.messages.create({ model: MODEL, max_tokens: 1024, messages, ...extra }));
  expect(err).toBeInstanceOf(Anthropic.BadRequestError);
  const env = envelopeOf(err);
  expect(env.error.type).toBe('invalid_request_error');
  expect(env.error.message).toContain(fragment);
  expect(fake.remaining).toBe(1); // a rejected request never reaches the "model"
}

const weatherTool = { name: 'get_weather', description: 'Weather', input_schema: { type: 'object' as const, properties: {} } };

describe('streaming', () => {
  it('streams a thinking + text turn that the SDK reassembles exactly', async () => {
    const content = [
      { type: 'thinking' as const, thinking: 'The user greets me; I should greet back warmly.', signature: 'sig-fixed-123' },
      { type: 'text' as const, text: 'Hello there! How can I help you today?' },
    ];
    fake.enqueue({ content });
    const stream = client.beta.messages.stream({
      model: MODEL,
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [{ role: 'user', content: 'Hi' }],
    });
    const textChunks: string[] = [];
    const thinkingChunks: string[] = [];
    stream.on('text', (delta) => textChunks.push(delta));
    stream.on('thinking', (delta) => thinkingChunks.push(delta));
    const message = await stream.finalMessage();

    expect(message.content).toEqual(content);
    expect(message.role).toBe('assistant');
    expect(message.model).toBe(MODEL);
    expect(message.id).toMatch(/^msg_/);
    expect(message.stop_reason).toBe('end_turn');
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    expect(message.usage.output_tokens).toBeGreaterThan(1);
    expect(message.usage.cache_read_input_tokens).toBe(0);
    expect(textChunks.length).toBeGreaterThan(1);
    expect(textChunks.join('')).toBe(content[1]!.text);
    expect(thinkingChunks.length).toBeGreaterThan(1);
    expect(stream.request_id).toMatch(/^req_/);

    const [req] = await fake.waitForRequests(1);
    expect(req!.path).toBe('/v1/messages');
    expect(req!.headers['authorization']).toBe('Bearer test'); // SDK 1.x sends an apiKey as a Bearer token
    expect(req!.body.stream).toBe(true);
    expect(req!.response).toMatchObject({ status: 200, streamed: true, outcome: 'completed', requestId: stream.request_id });
  });

  it('generates a signature for thinking when the script gives none, and accepts it when replayed', async () => {
    fake.enqueue(
      {
        content: [
          { type: 'thinking', thinking: 'I need the weather.' },
          { type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } },
        ],
      },
      { content: [{ type: 'text', text: 'Sunny.' }] },
    );
    const first = await client.beta.messages
      .stream({
        model: MODEL,
        max_tokens: 2048,
        thinking: { type: 'enabled', budget_tokens: 1024 },
        tools: [weatherTool],
        messages: [{ role: 'user', content: 'Weather?' }],
      })
      .finalMessage();
    const [thinking, toolUse] = first.content;
    expect(thinking).toMatchObject({ type: 'thinking', thinking: 'I need the weather.' });
    expect(thinking?.type === 'thinking' && thinking.signature.length).toBeGreaterThan(20);
    expect(toolUse).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } });
    expect(toolUse?.type === 'tool_use' && toolUse.id).toMatch(/^toolu_/);
    expect(first.stop_reason).toBe('tool_use');

    const toolUseId = toolUse?.type === 'tool_use' ? toolUse.id : '';
    const second = await client.beta.messages.create({
      model: MODEL,
      max_tokens: 2048,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUseId, content: 'sunny' }] },
      ],
    });
    expect(second.content).toEqual([{ type: 'text', text: 'Sunny.' }]);
  });

  it('emits the real event sequence, with tool input JSON in several pieces', async () => {
    fake.enqueue({
      content: [
        { type: 'text', text: 'Checking the weather for you.' },
        { type: 'tool_use', id: 'toolu_01abc', name: 'get_weather', input: { city: 'Paris', unit: 'celsius' } },
      ],
    });
    const stream = await client.beta.messages.create({
      model: MODEL,
      max_tokens: 1024,
      stream: true,
      tools: [weatherTool],
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    const events = [];
    for await (const e of stream) events.push(e);

    const kinds = events.map((e) => (e.type === 'content_block_delta' ? `delta:${e.delta.type}` : e.type));
    const dedup = kinds.filter((k, i) => k !== kinds[i - 1]);
    expect(dedup).toEqual([
      'message_start',
      'content_block_start',
      'delta:text_delta',
      'content_block_stop',
      'content_block_start',
      'delta:input_json_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const start = events[0];
    expect(start?.type === 'message_start' && start.message).toMatchObject({
      type: 'message',
      role: 'assistant',
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
    });
    const toolStart = events.find((e) => e.type === 'content_block_start' && e.index === 1);
    expect(toolStart?.type === 'content_block_start' && toolStart.content_block).toEqual({
      type: 'tool_use',
      id: 'toolu_01abc',
      name: 'get_weather',
      input: {},
    });
    const json = events.flatMap((e) =>
      e.type === 'content_block_delta' && e.delta.type === 'input_json_delta' ? [e.delta.partial_json] : [],
    );
    expect(json.filter((p) => p.length > 0).length).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(json.join(''))).toEqual({ city: 'Paris', unit: 'celsius' });
    const delta = events.find((e) => e.type === 'message_delta');
    expect(delta?.type === 'message_delta' && delta.delta).toMatchObject({ stop_reason: 'tool_use', stop_sequence: null });
  });

  it('frames SSE as `event: <type>\\ndata: <json>\\n\\n`, with a ping after message_start', async () => {
    fake.enqueue({ content: [{ type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT' }, { type: 'text', text: 'Done.' }] });
    const res = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, max_tokens: 100, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    const raw = await res.text();
    expect(raw.endsWith('\n\n')).toBe(true);
    const frames = raw
      .trimEnd()
      .split('\n\n')
      .map((f) => {
        const [eventLine, dataLine, ...rest] = f.split('\n');
        expect(rest).toEqual([]);
        expect(eventLine).toMatch(/^event: /);
        expect(dataLine).toMatch(/^data: /);
        return { event: eventLine!.slice('event: '.length), data: JSON.parse(dataLine!.slice('data: '.length)) as { type: string } };
      });
    for (const f of frames) expect(f.data.type).toBe(f.event);
    expect(frames.slice(0, 3).map((f) => f.event)).toEqual(['message_start', 'ping', 'content_block_start']);
    expect(frames[2]!.data).toEqual({
      type: 'content_block_start',
      index: 0,
      content_block: { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT' },
    });
    expect(frames.at(-1)!.event).toBe('message_stop');
  });

  it('answers a non-streaming request with a JSON Message', async () => {
    fake.enqueue({
      content: [{ type: 'text', text: 'Truncated answ' }],
      stop_reason: 'max_tokens',
      usage: { input_tokens: 1234, cache_read_input_tokens: 1000, cache_creation_input_tokens: 50, output_tokens: 7 },
    });
    const message = await client.beta.messages.create({ model: MODEL, max_tokens: 7, messages: [{ role: 'user', content: 'Tell me' }] });
    expect(message).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: MODEL,
      content: [{ type: 'text', text: 'Truncated answ' }],
      stop_reason: 'max_tokens',
      stop_sequence: null,
      usage: { input_tokens: 1234, cache_read_input_tokens: 1000, cache_creation_input_tokens: 50, output_tokens: 7 },
    });
    expect(fake.requests[0]!.response.streamed).toBe(false);
  });

  it('works with the non-beta client and Bearer auth too', async () => {
    fake.enqueue({ content: [{ type: 'text', text: 'Plain.' }] });
    const bearer = new Anthropic({ baseURL: fake.url, apiKey: null, authToken: 'tok', maxRetries: 0 });
    const message = await bearer.messages.stream({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: 'Plain.' }]);
    expect(fake.requests[0]!.query).toEqual({});
    expect(fake.requests[0]!.headers['authorization']).toBe('Bearer tok');
  });
});

describe('tool runner', () => {
  const makeWeather = (calls: string[]) =>
    betaZodTool({
      name: 'get_weather',
      description: 'Current weather for a city',
      inputSchema: z.object({ city: z.string() }),
      run: async ({ city }) => {
        calls.push(city);
        return `22°C and sunny in ${city}`;
      },
    });
  const twoTurns = () =>
    fake.enqueue(
      {
        content: [
          { type: 'text', text: 'Let me look that up.' },
          { type: 'tool_use', id: 'toolu_01WeatherParis', name: 'get_weather', input: { city: 'Paris' } },
        ],
      },
      { content: [{ type: 'text', text: 'It is 22°C and sunny in Paris.' }] },
    );
  const toolResultTurn = {
    role: 'user',
    content: [{ type: 'tool_result', tool_use_id: 'toolu_01WeatherParis', content: '22°C and sunny in Paris' }],
  };

  it('drives the SDK toolRunner through a tool round trip on a message thread', async () => {
    const calls: string[] = [];
    twoTurns();
    const final = await client.beta.messages.toolRunner({
      model: MODEL,
      max_tokens: 1024,
      max_iterations: 4,
      tools: [makeWeather(calls)],
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
    });

    expect(final.content).toEqual([{ type: 'text', text: 'It is 22°C and sunny in Paris.' }]);
    expect(calls).toEqual(['Paris']);
    expect(fake.requests).toHaveLength(2);
    expect(fake.remaining).toBe(0);
    const [first, second] = fake.requests;
    // The runner threads by default: the first turn creates the thread, the second sends only the tool result.
    expect(first!.body.thread).toEqual({ type: 'create' });
    expect(first!.headers['anthropic-beta']).toContain('message-threads-2026-08-12');
    expect(first!.body.tools?.[0]).toMatchObject({ name: 'get_weather', input_schema: { type: 'object' } });
    expect(second!.body.thread).toMatchObject({ type: 'continue' });
    expect(second!.body.tools).toBeUndefined();
    expect(second!.body.messages).toEqual([toolResultTurn]);
    // The fake resolved the thread: the conversation it validated pairs the tool_result with its tool_use.
    expect(second!.conversation).toHaveLength(3);
    expect(second!.conversation[1]).toMatchObject({
      role: 'assistant',
      content: [{ type: 'text' }, { type: 'tool_use', id: 'toolu_01WeatherParis' }],
    });
    expect(second!.conversation[2]).toEqual(toolResultTurn);
  });

  it('drives an unthreaded toolRunner (thread: false) that re-sends the full history', async () => {
    const calls: string[] = [];
    twoTurns();
    const final = await client.beta.messages.toolRunner({
      model: MODEL,
      max_tokens: 1024,
      max_iterations: 4,
      thread: false,
      tools: [makeWeather(calls)],
      messages: [{ role: 'user', content: 'What is the weather in Paris?' }],
    });
    expect(final.content).toEqual([{ type: 'text', text: 'It is 22°C and sunny in Paris.' }]);
    const second = fake.requests[1]!.body;
    expect(second.thread).toBeUndefined();
    expect(second.messages).toHaveLength(3);
    expect(second.messages[2]).toEqual(toolResultTurn);
  });

  it('falls back to full history when the thread cannot hold thinking (thread_unsupported_request)', async () => {
    const calls: string[] = [];
    fake.enqueue(
      {
        content: [
          { type: 'thinking', thinking: 'I should call the tool.' },
          { type: 'tool_use', id: 'toolu_01WeatherParis', name: 'get_weather', input: { city: 'Paris' } },
        ],
      },
      { content: [{ type: 'text', text: 'Sunny.' }] },
    );
    const final = await client.beta.messages.toolRunner({
      model: MODEL,
      max_tokens: 4096,
      max_iterations: 4,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      tools: [makeWeather(calls)],
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    expect(final.content).toEqual([{ type: 'text', text: 'Sunny.' }]);
    expect(fake.requests.map((r) => r.response.status)).toEqual([400, 200, 200]);
    expect(fake.requests[2]!.body.thread).toBeUndefined();
    // The replayed history carries the thinking block back, signature intact.
    expect(fake.requests[2]!.body.messages[1]).toMatchObject({ role: 'assistant', content: [{ type: 'thinking' }, { type: 'tool_use' }] });
  });

  it('drives a streaming toolRunner the same way', async () => {
    const echo = betaZodTool({
      name: 'echo',
      description: 'Echo',
      inputSchema: z.object({ text: z.string() }),
      run: ({ text }) => text.toUpperCase(),
    });
    fake.enqueue(
      { content: [{ type: 'tool_use', name: 'echo', input: { text: 'hey' } }] },
      (req) => {
        const last = req.conversation.at(-1);
        const result = Array.isArray(last?.content) ? last.content[0] : undefined;
        return { content: [{ type: 'text', text: `Got ${result?.type === 'tool_result' ? String(result.content) : '?'}` }] };
      },
    );
    const runner = client.beta.messages.toolRunner({
      model: MODEL,
      max_tokens: 1024,
      max_iterations: 3,
      stream: true,
      tools: [echo],
      messages: [{ role: 'user', content: 'Echo hey' }],
    });
    const finals = [];
    for await (const stream of runner) finals.push(await stream.finalMessage());
    expect(finals.map((m) => m.stop_reason)).toEqual(['tool_use', 'end_turn']);
    expect(finals[1]!.content).toEqual([{ type: 'text', text: 'Got HEY' }]);
  });
});

describe('message threads', () => {
  const THREADS = { 'anthropic-beta': 'message-threads-2026-08-12' };
  const send = (body: Record<string, unknown>): Promise<BetaMessage> =>
    client.beta.messages.create({ model: MODEL, max_tokens: 100, ...body } as MessageCreateParamsNonStreaming, { headers: THREADS });

  it('continues a thread once, and refuses a second continue, an unknown id, or a changed system prompt', async () => {
    fake.setResponder(() => ({ content: [{ type: 'text', text: 'ok' }] }));
    const first = await send({ system: 'Be brief.', thread: { type: 'create' }, messages: [{ role: 'user', content: 'one' }] });
    const second = await send({ thread: { type: 'continue', previous_message_id: first.id }, messages: [{ role: 'user', content: 'two' }] });
    expect(fake.requests[1]!.conversation).toHaveLength(3);
    expect(fake.requests[1]!.conversation[1]).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'ok' }] });

    const again = await caught(send({ thread: { type: 'continue', previous_message_id: first.id }, messages: [{ role: 'user', content: 'x' }] }));
    expect(again).toBeInstanceOf(Anthropic.BadRequestError);
    expect((again as InstanceType<typeof Anthropic.APIError>).errorCode).toBe('thread_already_continued');

    const unknown = await caught(send({ thread: { type: 'continue', previous_message_id: 'msg_nope' }, messages: [{ role: 'user', content: 'x' }] }));
    expect(unknown).toBeInstanceOf(Anthropic.NotFoundError);
    expect((unknown as InstanceType<typeof Anthropic.APIError>).errorCode).toBe('thread_not_found');

    const changed = await caught(
      send({ system: 'Be verbose.', thread: { type: 'continue', previous_message_id: second.id }, messages: [{ role: 'user', content: 'x' }] }),
    );
    expect((changed as InstanceType<typeof Anthropic.APIError>).errorCode).toBe('thread_fingerprint_mismatch');

    const third = await send({ thread: { type: 'continue', previous_message_id: second.id }, messages: [{ role: 'user', content: 'three' }] });
    expect(third.content).toEqual([{ type: 'text', text: 'ok' }]);
    expect(fake.requests.at(-1)!.body.system).toBeUndefined();
    expect(fake.requests.at(-1)!.conversation).toHaveLength(5);
  });

  it('validates a continue against the history the thread holds', async () => {
    fake.enqueue({ content: [{ type: 'tool_use', id: 'toolu_01held', name: 'get_weather', input: {} }] });
    const first = await send({ tools: [weatherTool], thread: { type: 'create' }, messages: [{ role: 'user', content: 'Weather?' }] });
    const err = await caught(
      send({ thread: { type: 'continue', previous_message_id: first.id }, messages: [{ role: 'user', content: 'Never mind.' }] }),
    );
    expect(envelopeOf(err).error.message).toContain(
      'thread.messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_01held.',
    );
    // The rejected continue did not use the thread up.
    fake.enqueue({ content: [{ type: 'text', text: 'Sunny.' }] });
    const ok = await send({
      thread: { type: 'continue', previous_message_id: first.id },
      messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01held', content: 'sunny' }] }],
    });
    expect(ok.content).toEqual([{ type: 'text', text: 'Sunny.' }]);
  });

  it('does not store a reply whose stream broke off', async () => {
    fake.enqueue({ midStreamError: {} });
    const stream = client.beta.messages.stream(
      { model: MODEL, max_tokens: 100, thread: { type: 'create' }, messages: [{ role: 'user', content: 'x' }] },
      { headers: THREADS },
    );
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIError);
    const partialId = stream.currentMessage?.id;
    expect(partialId).toMatch(/^msg_/);
    fake.enqueue({ content: [{ type: 'text', text: 'unused' }] });
    const err = await caught(send({ thread: { type: 'continue', previous_message_id: partialId }, messages: [{ role: 'user', content: 'y' }] }));
    expect((err as InstanceType<typeof Anthropic.APIError>).errorCode).toBe('thread_not_found');
  });

  it('requires the threads beta header', async () => {
    const err = await caught(
      client.beta.messages.create({ model: MODEL, max_tokens: 10, thread: { type: 'create' }, messages: [{ role: 'user', content: 'x' }] }),
    );
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    expect(envelopeOf(err).error.message).toContain('message-threads-2026-08-12');
  });
});

describe('scripting', () => {
  it('passes the recorded request to a script function and falls back to the responder', async () => {
    const seen: string[] = [];
    fake.enqueue((req) => {
      seen.push(String(req.body.messages[0]?.content));
      return { content: [{ type: 'text', text: 'from the queue' }] };
    });
    fake.setResponder(async (req) => ({ content: [{ type: 'text', text: `responder #${fake.requests.indexOf(req)}` }] }));
    const ask = async (q: string) =>
      (await client.beta.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: q }] })).content;
    expect(await ask('one')).toEqual([{ type: 'text', text: 'from the queue' }]);
    expect(await ask('two')).toEqual([{ type: 'text', text: 'responder #1' }]);
    expect(await ask('three')).toEqual([{ type: 'text', text: 'responder #2' }]);
    expect(seen).toEqual(['one']);
  });

  it('fails loudly when the script runs out', async () => {
    const err = await caught(client.beta.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }));
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect(envelopeOf(err).error).toEqual({ type: 'api_error', message: 'fake-anthropic: no scripted response left' });
  });

  it('counts tokens without using the script', async () => {
    const count = await client.beta.messages.countTokens({ model: MODEL, messages: [{ role: 'user', content: 'How many tokens?' }] });
    expect(count.input_tokens).toBeGreaterThan(0);
    expect(fake.requests[0]!.path).toBe('/v1/messages/count_tokens');
  });

  it('answers max_tokens: 0 (cache pre-warming) with an empty message, without using the script', async () => {
    const message = await client.beta.messages.create({ model: MODEL, max_tokens: 0, messages: [{ role: 'user', content: 'warmup' }] });
    expect(message.content).toEqual([]);
    expect(message.stop_reason).toBe('max_tokens');
  });

  it('times out waitForRequests with a clear error', async () => {
    await expect(fake.waitForRequests(1, 50)).rejects.toThrow(/timed out after 50ms waiting for 1 request/);
  });
});

describe('errors', () => {
  it('answers a scripted 529 with the real envelope', async () => {
    fake.enqueue({ error: { status: 529, type: 'overloaded_error', message: 'Overloaded' } });
    const err = await caught(client.beta.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }));
    expect(err).toBeInstanceOf(Anthropic.InternalServerError);
    expect(err).toBeInstanceOf(Anthropic.OverloadedError);
    const apiErr = err as InstanceType<typeof Anthropic.APIError>;
    expect(apiErr.status).toBe(529);
    expect(apiErr.requestID).toMatch(/^req_/);
    const env = envelopeOf(err);
    expect(env).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' }, request_id: apiErr.requestID });
  });

  it('maps 400, 401, 403, 404, 413 and 429 to the SDK error classes', async () => {
    fake.enqueue(
      { error: { status: 400, message: 'prompt is too long: 210000 tokens > 200000 maximum' } },
      { error: { status: 401 } },
      { error: { status: 403 } },
      { error: { status: 404 } },
      { error: { status: 413 } },
      { error: { status: 429, retryAfter: 30 } },
    );
    const call = () => caught(client.beta.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }));
    const bad = await call();
    expect(bad).toBeInstanceOf(Anthropic.BadRequestError);
    expect(envelopeOf(bad).error).toEqual({ type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' });
    expect(await call()).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(await call()).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(await call()).toBeInstanceOf(Anthropic.NotFoundError);
    const tooLarge = await call();
    expect(envelopeOf(tooLarge).error.type).toBe('request_too_large');
    const limited = await call();
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    expect(envelopeOf(limited).error.type).toBe('rate_limit_error');
    expect((limited as InstanceType<typeof Anthropic.APIError>).headers?.get('retry-after')).toBe('30');
  });

  it('lets the SDK retry a 529 and then succeed', async () => {
    const retrying = new Anthropic({ baseURL: fake.url, apiKey: 'test', maxRetries: 2 });
    fake.enqueue(
      { error: { status: 529, headers: { 'retry-after-ms': '10' } } },
      { error: { status: 429, retryAfter: 0.01 } },
      { content: [{ type: 'text', text: 'Third time lucky.' }] },
    );
    const message = await retrying.beta.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
    expect(message.content).toEqual([{ type: 'text', text: 'Third time lucky.' }]);
    expect(fake.requests).toHaveLength(3);
    expect(fake.requests[1]!.headers['x-stainless-retry-count']).toBe('1');
  });

  it('rejects a request without credentials, or with both kinds', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${fake.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
        body: JSON.stringify({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      });
    const none = await post({});
    expect(none.status).toBe(401);
    expect(none.headers.get('request-id')).toMatch(/^req_/);
    expect(await none.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
    expect((await post({ 'x-api-key': 'a', authorization: 'Bearer b' })).status).toBe(401);
    const notFound = await fetch(`${fake.url}/v1/complete`, { method: 'POST', headers: { 'x-api-key': 'a' }, body: '{}' });
    expect(notFound.status).toBe(404);
    const badJson = await fetch(`${fake.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'a', 'anthropic-version': '2023-06-01' },
      body: '{nope',
    });
    expect(badJson.status).toBe(400);
    const noVersion = await post({ 'x-api-key': 'a', 'anthropic-version': '' });
    expect(noVersion.status).toBe(400);
    expect(await noVersion.json()).toMatchObject({ error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' } });
    const withQuery = await fetch(`${fake.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'x-api-key': 'a', 'anthropic-version': '2023-06-01', 'anthropic-beta': 'some-beta-2025-01-01' },
      body: JSON.stringify({ model: MODEL, max_tokens: 0, messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(withQuery.status).toBe(200);
    expect(fake.remaining).toBe(0);
  });

  it('surfaces a mid-stream error as an SDK error while iterating', async () => {
    fake.enqueue({
      midStreamError: { type: 'overloaded_error', message: 'Overloaded' },
      content: [{ type: 'text', text: 'A long answer that never gets to finish properly.' }],
    });
    const stream = client.beta.messages.stream({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'x' }] });
    const received: string[] = [];
    stream.on('text', (t) => received.push(t));
    const err = await caught(
      (async () => {
        for await (const _event of stream) {
          // consume
        }
      })(),
    );
    expect(envelopeOf(err).error).toEqual({ type: 'overloaded_error', message: 'Overloaded' });
    expect(received.length).toBeGreaterThan(0);
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIError);
    expect(fake.requests[0]!.response.outcome).toBe('completed');
  });

  it('answers a mid-stream error script on a non-streaming request with the matching HTTP error', async () => {
    fake.enqueue({ midStreamError: { type: 'api_error' } });
    const err = await caught(client.beta.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }));
    expect((err as InstanceType<typeof Anthropic.APIError>).status).toBe(500);
  });
});

describe('slow streams', () => {
  it('stops writing when the client aborts, and keeps serving', async () => {
    fake.enqueue(
      { content: [{ type: 'text', text: 'word '.repeat(100).trim() }], chunkDelayMs: 25 },
      { content: [{ type: 'text', text: 'Still here.' }] },
    );
    const stream = client.beta.messages.stream({ model: MODEL, max_tokens: 1000, messages: [{ role: 'user', content: 'Talk' }] });
    const firstText = new Promise<void>((resolve) => stream.once('text', () => resolve()));
    await firstText;
    stream.abort();
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIUserAbortError);
    await fake.waitForIdle(2_000);
    expect(fake.requests[0]!.response.outcome).toBe('client_disconnected');

    const next = await client.beta.messages.stream({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'Again' }] }).finalMessage();
    expect(next.content).toEqual([{ type: 'text', text: 'Still here.' }]);
  });

  it('stops a slow stream when an AbortSignal fires', async () => {
    fake.enqueue({ content: [{ type: 'text', text: 'x'.repeat(500) }], chunkDelayMs: 20 });
    const controller = new AbortController();
    const stream = client.beta.messages.stream(
      { model: MODEL, max_tokens: 1000, messages: [{ role: 'user', content: 'Talk' }] },
      { signal: controller.signal },
    );
    stream.once('text', () => controller.abort());
    await expect(stream.finalMessage()).rejects.toBeInstanceOf(Anthropic.APIUserAbortError);
    await fake.waitForIdle(2_000);
    expect(fake.requests[0]!.response.outcome).toBe('client_disconnected');
  });
});

describe('request validation through the SDK', () => {
  beforeEach(() => {
    fake.enqueue({ content: [{ type: 'text', text: 'unused' }] });
  });

  it('rejects a conversation that starts with the assistant', async () => {
    await expectRejected(
      [
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: 'Hi' },
      ],
      'messages.0.role: first message must use the "user" role',
    );
  });

  it('rejects a tool_result that answers no tool_use of the previous turn', async () => {
    await expectRejected(
      [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello' },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01ghost', content: 'x' }] },
      ],
      'messages.2.content.0: unexpected `tool_use_id` found in `tool_result` blocks: toolu_01ghost. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.',
      { tools: [weatherTool] },
    );
  });

  it('rejects a tool_result that is not first in its user turn', async () => {
    await expectRejected(
      [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01a', name: 'get_weather', input: {} }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Here you go' },
            { type: 'tool_result', tool_use_id: 'toolu_01a', content: 'sunny' },
          ],
        },
      ],
      'messages.2.content.1: `tool_result` blocks must come first',
      { tools: [weatherTool] },
    );
  });

  it('rejects a tool_use left unanswered by the next user turn', async () => {
    await expectRejected(
      [
        { role: 'user', content: 'Weather?' },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'toolu_01a', name: 'get_weather', input: {} },
            { type: 'tool_use', id: 'toolu_01b', name: 'get_weather', input: {} },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01a', content: 'sunny' }] },
      ],
      'messages.1: `tool_use` ids were found without `tool_result` blocks immediately after: toolu_01b.',
      { tools: [weatherTool] },
    );
  });

  it('rejects empty text and empty content', async () => {
    await expectRejected([{ role: 'user', content: [{ type: 'text', text: '' }] }], 'messages.0.content.0: text content blocks must be non-empty');
    await expectRejected([{ role: 'user', content: [] }], 'messages.0: all messages must have non-empty content');
    await expectRejected([{ role: 'user', content: '' }], 'messages.0: all messages must have non-empty content');
  });

  it('rejects a fifth cache_control breakpoint', async () => {
    const cc = { type: 'ephemeral' as const };
    await expectRejected(
      [
        { role: 'user', content: [{ type: 'text', text: 'a', cache_control: cc }] },
        { role: 'assistant', content: [{ type: 'text', text: 'b', cache_control: cc }] },
        { role: 'user', content: [{ type: 'text', text: 'c', cache_control: cc }] },
      ],
      'A maximum of 4 blocks with cache_control may be provided. Found 5.',
      { tools: [{ ...weatherTool, cache_control: cc }], system: [{ type: 'text', text: 'sys', cache_control: cc }] },
    );
  });

  it('merges consecutive same-role messages, as the API does, and accepts the result', async () => {
    const message = await client.beta.messages.create({
      model: MODEL,
      max_tokens: 100,
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'First part.' },
        { role: 'user', content: [{ type: 'text', text: 'Second part: weather?' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }] },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01a', name: 'get_weather', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01a', content: 'sunny' }] },
        { role: 'user', content: 'Also, thanks!' },
      ],
    });
    expect(message.content).toEqual([{ type: 'text', text: 'unused' }]);
  });

  it('rejects a thinking block whose text or signature was altered', async () => {
    await expectRejected(
      [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'made up', signature: 'forged' }, { type: 'text', text: 'Hello' }] },
        { role: 'user', content: 'Again' },
      ],
      'messages.1.content.0: Invalid `signature` in `thinking` block',
    );
  });

  it('rejects a tool loop that dropped the thinking block while thinking is enabled', async () => {
    await expectRejected(
      [
        { role: 'user', content: 'Weather?' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_01a', name: 'get_weather', input: {} }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01a', content: 'sunny' }] },
      ],
      'messages.1.content.0.type: Expected `thinking` or `redacted_thinking`, but found `tool_use`.',
      { tools: [weatherTool], max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 1024 } },
    );
  });
});

describe('validateRequest', () => {
  const base = { model: MODEL, max_tokens: 1024 };
  const user = (content: unknown) => ({ role: 'user', content });
  const assistant = (content: unknown) => ({ role: 'assistant', content });
  const toolUse = (id: string) => ({ type: 'tool_use', id, name: 'get_weather', input: {} });
  const toolResult = (id: string) => ({ type: 'tool_result', tool_use_id: id, content: 'ok' });
  const withTools = { tools: [weatherTool] };

  const rejected: Array<[string, Record<string, unknown>, string]> = [
    ['not an object', [] as never, 'Input should be a valid dictionary'],
    ['missing model', { max_tokens: 10, messages: [user('x')] }, 'model: Field required'],
    ['empty model', { ...base, model: '', messages: [user('x')] }, 'model: String should have at least 1 character'],
    ['missing max_tokens', { model: MODEL, messages: [user('x')] }, 'max_tokens: Field required'],
    ['fractional max_tokens', { ...base, max_tokens: 1.5, messages: [user('x')] }, 'max_tokens: Input should be a valid integer'],
    ['negative max_tokens', { ...base, max_tokens: -1, messages: [user('x')] }, 'max_tokens: Input should be greater than or equal to 0'],
    ['missing messages', { ...base }, 'messages: Field required'],
    ['empty messages', { ...base, messages: [] }, 'messages: List should have at least 1 item'],
    ['unknown top-level field', { ...base, messages: [user('x')], betas: ['x'] }, 'betas: Extra inputs are not permitted'],
    ['unknown message field', { ...base, messages: [{ ...user('x'), id: 'm1' }] }, 'messages.0.id: Extra inputs are not permitted'],
    ['bad role', { ...base, messages: [{ role: 'tool', content: 'x' }] }, "messages.0.role: Input should be 'user' or 'assistant'"],
    ['system role without the beta', { ...base, messages: [user('x'), { role: 'system', content: 'y' }] }, 'messages.1.role'],
    ['whitespace text', { ...base, messages: [user([{ type: 'text', text: '  ' }])] }, 'messages.0.content.0: text content blocks must contain non-whitespace text'],
    ['empty text in a tool_result', { ...base, ...withTools, messages: [user('x'), assistant([toolUse('t1')]), user([{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: '' }] }])] }, 'messages.2.content.0.content.0: text content blocks must be non-empty'],
    ['unknown block type', { ...base, messages: [user([{ type: 'txt', text: 'x' }])] }, "messages.0.content.0.type: Input tag 'txt'"],
    ['stray field on a block', { ...base, messages: [user([{ type: 'text', text: 'x', id: 1 }])] }, 'messages.0.content.0.id: Extra inputs are not permitted'],
    ['tool_use in a user turn', { ...base, ...withTools, messages: [user([toolUse('t1')])] }, 'messages.0.content.0: `tool_use` blocks can only appear in `assistant` messages'],
    ['tool_result in an assistant turn', { ...base, ...withTools, messages: [user('x'), assistant([toolResult('t1')])] }, 'messages.1.content.0: `tool_result` blocks can only appear in `user` messages'],
    ['tool_use input not an object', { ...base, ...withTools, messages: [user('x'), assistant([{ ...toolUse('t1'), input: 'x' }])] }, 'messages.1.content.0.input: Input should be a valid dictionary'],
    ['tool_use id with bad characters', { ...base, ...withTools, messages: [user('x'), assistant([toolUse('t 1')])] }, 'messages.1.content.0.id: String should match pattern'],
    ['duplicate tool_use ids', { ...base, ...withTools, messages: [user('x'), assistant([toolUse('t1')]), user([toolResult('t1')]), assistant([toolUse('t1')])] }, 'messages.3.content.0.id: `tool_use` ids must be unique'],
    ['two results for one tool_use', { ...base, ...withTools, messages: [user('x'), assistant([toolUse('t1')]), user([toolResult('t1'), toolResult('t1')])] }, 'messages.2.content.1: more than one `tool_result`'],
    ['tool blocks without tools', { ...base, messages: [user('x'), assistant([toolUse('t1')]), user([toolResult('t1')])] }, 'Requests which include `tool_use` or `tool_result` blocks must define tools.'],
    ['tool_result as the first message', { ...base, ...withTools, messages: [user([toolResult('t1')])] }, 'messages.0.content.0: unexpected `tool_use_id`'],
    ['thinking without signature', { ...base, messages: [user('x'), assistant([{ type: 'thinking', thinking: 'hm' }, { type: 'text', text: 'y' }])] }, 'messages.1.content.0.signature: Field required'],
    ['thinking in a user turn', { ...base, messages: [user([{ type: 'thinking', thinking: 'hm', signature: 's' }])] }, '`thinking` blocks can only appear in `assistant` messages'],
    ['final assistant with trailing whitespace', { ...base, messages: [user('x'), assistant('The answer is ')] }, 'messages: final assistant content cannot end with trailing whitespace'],
    ['invalid tool name', { ...base, tools: [{ ...weatherTool, name: 'get weather' }], messages: [user('x')] }, "tools.0.custom.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'"],
    ['duplicate tool names', { ...base, tools: [weatherTool, weatherTool], messages: [user('x')] }, 'tools: Tool names must be unique.'],
    ['tool without input_schema', { ...base, tools: [{ name: 'x' }], messages: [user('x')] }, 'tools.0.custom.input_schema: Field required'],
    ['budget below 1024', { ...base, thinking: { type: 'enabled', budget_tokens: 1000 }, messages: [user('x')] }, 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024'],
    ['budget not below max_tokens', { ...base, thinking: { type: 'enabled', budget_tokens: 1024 }, messages: [user('x')] }, '`max_tokens` must be greater than `thinking.budget_tokens`'],
    ['unknown thinking type', { ...base, thinking: { type: 'on' }, messages: [user('x')] }, "thinking.type: Input tag 'on'"],
    ['thinking with forced tool use', { ...base, ...withTools, max_tokens: 4096, thinking: { type: 'enabled', budget_tokens: 1024 }, tool_choice: { type: 'any' }, messages: [user('x')] }, 'Thinking may not be enabled when tool_choice forces tool use.'],
    ['bad cache_control type', { ...base, messages: [user([{ type: 'text', text: 'x', cache_control: { type: 'persistent' } }])] }, "messages.0.content.0.cache_control.type: Input should be 'ephemeral'"],
    ['1h breakpoint after a 5m one', { ...base, system: [{ type: 'text', text: 's', cache_control: { type: 'ephemeral' } }], messages: [user([{ type: 'text', text: 'x', cache_control: { type: 'ephemeral', ttl: '1h' } }])] }, "a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block"],
    ['five breakpoints counting top-level automatic caching', { ...base, cache_control: { type: 'ephemeral' }, system: [1, 2, 3, 4].map((i) => ({ type: 'text', text: `s${i}`, cache_control: { type: 'ephemeral' } })), messages: [user('x')] }, 'Found 5.'],
    ['streamed cache pre-warm', { ...base, max_tokens: 0, stream: true, messages: [user('x')] }, '`max_tokens: 0` (cache pre-warming) cannot be combined with `stream: true`'],
    ['temperature out of range', { ...base, temperature: 1.5, messages: [user('x')] }, 'temperature: Input should be less than or equal to 1'],
  ];

  it.each(rejected)('rejects %s', (_name, body, fragment) => {
    const result = validateRequest(body);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toContain(fragment);
  });

  const accepted: Array<[string, Record<string, unknown>]> = [
    ['a plain request', { ...base, messages: [user('Hi')] }],
    ['an assistant prefill', { ...base, messages: [user('Hi'), assistant('The answer is')] }],
    ['an empty final assistant message', { ...base, messages: [user('Hi'), assistant([])] }],
    ['an unanswered tool_use as the last turn', { ...base, ...withTools, messages: [user('Hi'), assistant([toolUse('t1')])] }],
    ['a tool_result with no content', { ...base, ...withTools, messages: [user('Hi'), assistant([toolUse('t1')]), user([{ type: 'tool_result', tool_use_id: 't1' }])] }],
    ['adaptive and disabled thinking', { ...base, thinking: { type: 'adaptive' }, messages: [user('Hi')] }],
    ['four breakpoints', { ...base, system: [1, 2, 3, 4].map((i) => ({ type: 'text', text: `s${i}`, cache_control: { type: 'ephemeral' } })), messages: [user('x')] }],
    ['1h breakpoints before 5m ones', { ...base, system: [{ type: 'text', text: 's', cache_control: { type: 'ephemeral', ttl: '1h' } }], messages: [user([{ type: 'text', text: 'x', cache_control: { type: 'ephemeral' } }])] }],
    ['server tools next to custom ones', { ...base, tools: [weatherTool, { type: 'web_search_20260209', name: 'web_search' }], messages: [user('x')] }],
    ['a count_tokens body', { model: MODEL, messages: [user('x')] }],
  ];

  it.each(accepted)('accepts %s', (_name, body) => {
    const endpoint = _name === 'a count_tokens body' ? 'count_tokens' : 'messages';
    expect(validateRequest(body, { endpoint })).toEqual({ ok: true });
  });

  it('admits mid-conversation system messages only with their beta header', () => {
    const body = { ...base, messages: [user('x'), { role: 'system', content: 'Be terse.' }, assistant('ok'), user('y')] };
    expect(validateRequest(body).ok).toBe(false);
    expect(validateRequest(body, { betas: ['mid-conversation-system-2026-04-07'] })).toEqual({ ok: true });
    const first = { ...base, messages: [{ role: 'system', content: 'Be terse.' }, user('x')] };
    expect(validateRequest(first, { betas: ['mid-conversation-system-2026-04-07'] }).ok).toBe(false);
  });

  it('checks effort, speed and inference_geo against the model, as the real API does', () => {
    const ask = (model: string, extra: Record<string, unknown>, betas: string[] = []) =>
      validateRequest({ model, max_tokens: 10, messages: [user('x')], ...extra }, { betas });
    expect(ask('claude-opus-4-8', { output_config: { effort: 'xhigh' } })).toEqual({ ok: true });
    expect(ask('claude-sonnet-4-6', { output_config: { effort: 'xhigh' } })).toMatchObject({ ok: false, message: expect.stringContaining('output_config.effort') });
    expect(ask('claude-haiku-4-5', { output_config: { effort: 'low' } })).toMatchObject({ ok: false, message: expect.stringContaining('does not support the effort') });
    expect(ask('claude-opus-4-8', { output_config: { effort: 'huge' } })).toMatchObject({ ok: false });
    expect(ask('claude-opus-4-6', { speed: 'fast' }, ['fast-mode-2026-02-01'])).toEqual({ ok: true });
    expect(ask('claude-opus-4-6', { speed: 'fast' })).toMatchObject({ ok: false, message: expect.stringContaining('fast-mode-2026-02-01') });
    expect(ask('claude-sonnet-4-6', { speed: 'fast' }, ['fast-mode-2026-02-01'])).toMatchObject({ ok: false, message: expect.stringContaining('speed') });
    expect(ask('claude-sonnet-4-6', { inference_geo: 'us' })).toEqual({ ok: true });
    expect(ask('claude-sonnet-4-6', { inference_geo: 'eu' })).toMatchObject({ ok: false, message: expect.stringContaining('inference_geo') });
    expect(ask('claude-haiku-4-5', { inference_geo: 'us' })).toMatchObject({ ok: false, message: expect.stringContaining('inference_geo') });
  });

  it('checks web search / fetch server tools and their blocks: definitions, pairing, and hits replayed unedited', () => {
    const search = { type: 'web_search_20250305', name: 'web_search' };
    const fetchTool = { type: 'web_fetch_20250910', name: 'web_fetch' };
    const use = (id: string, name = 'web_search') => ({ type: 'server_tool_use', id, name, input: { query: 'q' } });
    const hits = (id: string, encrypted = 'enc-1') => ({ type: 'web_search_tool_result', tool_use_id: id, content: [{ type: 'web_search_result', url: 'https://a.example/', title: 'A', encrypted_content: encrypted }] });
    const ask = (body: Record<string, unknown>, verify?: (p: never) => boolean) =>
      validateRequest({ ...base, ...body }, verify ? { verifyThinking: verify as never } : {});
    const reply = (content: unknown[]) => ({ messages: [user('x'), assistant(content as never), user('more')] });

    expect(ask({ tools: [search, fetchTool], ...reply([use('srvtoolu_1'), hits('srvtoolu_1'), { type: 'text', text: 'ok' }]) })).toEqual({ ok: true });
    // A paused turn may end with a use whose result is still to come.
    expect(ask({ tools: [search], messages: [user('x'), assistant([use('srvtoolu_1')] as never)] })).toEqual({ ok: true });
    expect(ask({ tools: [{ ...search, allowed_domains: ['a.example'], blocked_domains: ['b.example'] }], messages: [user('x')] })).toMatchObject({ ok: false, message: expect.stringContaining('Only one of allowed_domains or blocked_domains') });
    expect(ask({ tools: [{ ...search, name: 'search' }], messages: [user('x')] })).toMatchObject({ ok: false, message: expect.stringContaining("tools.0.web_search_20250305.name: Input should be 'web_search'") });
    expect(ask({ tools: [{ ...search, user_location: { type: 'approximate', country: 'Norway' } }], messages: [user('x')] })).toMatchObject({ ok: false, message: expect.stringContaining('user_location.country') });
    expect(ask({ tools: [{ ...fetchTool, max_content_tokens: 0 }], messages: [user('x')] })).toMatchObject({ ok: false, message: expect.stringContaining('max_content_tokens') });
    expect(ask({ tools: [{ ...fetchTool, user_location: { type: 'approximate' } }], messages: [user('x')] })).toMatchObject({ ok: false, message: expect.stringContaining('user_location: Extra inputs') });
    // Blocks: the tool must be defined, results answer a use of the same tool in the same turn, once.
    expect(ask({ tools: [fetchTool], ...reply([use('srvtoolu_1'), hits('srvtoolu_1'), { type: 'text', text: 'ok' }]) })).toMatchObject({ ok: false, message: expect.stringContaining('must define the web_search tool') });
    expect(ask({ tools: [search], ...reply([hits('srvtoolu_1'), { type: 'text', text: 'ok' }]) })).toMatchObject({ ok: false, message: expect.stringContaining('does not follow a `server_tool_use`') });
    expect(ask({ tools: [search, fetchTool], ...reply([use('srvtoolu_1', 'web_fetch'), hits('srvtoolu_1'), { type: 'text', text: 'ok' }]) })).toMatchObject({ ok: false });
    expect(ask({ tools: [search], ...reply([use('srvtoolu_1'), { type: 'text', text: 'ok' }]) })).toMatchObject({ ok: false, message: expect.stringContaining('has no corresponding result') });
    expect(ask({ tools: [search], ...reply([use('toolu_1'), hits('toolu_1')]) })).toMatchObject({ ok: false, message: expect.stringContaining('srvtoolu_') });
    expect(ask({ tools: [search], messages: [user([hits('srvtoolu_1')] as never)] })).toMatchObject({ ok: false, message: expect.stringContaining('can only appear in `assistant` messages') });
    // A hit's encrypted_content must be one the fake emitted.
    const emitted = new Set(['enc-1']);
    const verify = (p: { type: string; encrypted_content?: string }) => p.type !== 'web_search_result' || emitted.has(p.encrypted_content!);
    expect(ask({ tools: [search], ...reply([use('srvtoolu_1'), hits('srvtoolu_1')]) }, verify as never)).toEqual({ ok: true });
    expect(ask({ tools: [search], ...reply([use('srvtoolu_1'), hits('srvtoolu_1', 'forged')]) }, verify as never)).toMatchObject({ ok: false, message: expect.stringContaining('Invalid `encrypted_content`') });
  });

  it('rejects max_tokens in a count_tokens body', () => {
    const result = validateRequest({ ...base, messages: [user('x')] }, { endpoint: 'count_tokens' });
    expect(!result.ok && result.message).toBe('max_tokens: Extra inputs are not permitted');
  });
});

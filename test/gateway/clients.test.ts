// Real third-party clients pointed at agentd, unchanged but for the base URL: the `openai` SDK (chat completions),
// LangChain's ChatAnthropic and the Vercel AI SDK's Anthropic provider, each through a tool-calling exchange.
import { createAnthropic } from '@ai-sdk/anthropic';
import { ChatAnthropic } from '@langchain/anthropic';
import { HumanMessage, ToolMessage, type AIMessage } from '@langchain/core/messages';
import { generateText, jsonSchema, stepCountIs, tool } from 'ai';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { conversationWithCalls } from '../helpers/gateway.js';
import { TEST_API_KEY } from '../helpers/server.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';

const MODEL = 'claude-sonnet-4-6';

describe.each(dialects())('gateway: third-party clients (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake }));

  it('openai: a streamed chat with a tool call, and its answer', async () => {
    const client = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: TEST_API_KEY, maxRetries: 0 });
    const parameters = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
    const tools: OpenAI.Chat.ChatCompletionFunctionTool[] = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          description: 'Current weather for a city',
          parameters,
        },
      },
    ];
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Weather in Lima?' },
    ];
    fake.enqueue({
      content: [
        { type: 'text', text: 'Checking.' },
        { type: 'tool_use', name: 'get_weather', input: { city: 'Lima' } },
      ],
      usage: { input_tokens: 30, output_tokens: 12 },
    });
    const stream = await client.chat.completions.create(
      { model: MODEL, messages, tools, stream: true, stream_options: { include_usage: true } },
      { headers: { 'agentd-conversation-id': `openai-${dialect}` } },
    );
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    const calls: Array<{ id: string; name: string; arguments: string }> = [];
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (!choice) continue;
      text += choice.delta.content ?? '';
      for (const tc of choice.delta.tool_calls ?? []) {
        calls[tc.index] ??= { id: '', name: '', arguments: '' };
        const c = calls[tc.index]!;
        if (tc.id) c.id = tc.id;
        if (tc.function?.name) c.name = tc.function.name;
        c.arguments += tc.function?.arguments ?? '';
      }
      finish = choice.finish_reason ?? finish;
    }
    expect(text).toBe('Checking.');
    expect(finish).toBe('tool_calls');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.name).toBe('get_weather');
    expect(JSON.parse(calls[0]!.arguments)).toEqual({ city: 'Lima' });
    expect(usage).toEqual({ prompt_tokens: 30, completion_tokens: 12, total_tokens: 42 });
    const first = fake.requests.at(-1)!.body;
    expect(first.system).toBe('You are terse.');
    expect(first.tools).toEqual([{ name: 'get_weather', description: 'Current weather for a city', input_schema: parameters }]);

    messages.push({ role: 'assistant', content: 'Checking.', tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) });
    messages.push({ role: 'tool', tool_call_id: calls[0]!.id, content: '19°C, overcast' });
    fake.enqueue({ content: [{ type: 'text', text: 'It is 19°C and overcast in Lima.' }], usage: { input_tokens: 60, output_tokens: 10 } });
    const answer = await client.chat.completions.create(
      { model: MODEL, messages, tools },
      { headers: { 'agentd-conversation-id': `openai-${dialect}` } },
    );
    expect(answer.choices[0]!.message.content).toBe('It is 19°C and overcast in Lima.');
    expect(answer.choices[0]!.finish_reason).toBe('stop');
    expect(answer.usage).toMatchObject({ prompt_tokens: 60, completion_tokens: 10 });
    // The upstream saw the tool call answered by its tool_result in the next user turn.
    expect(fake.requests.at(-1)!.body.messages.slice(1)).toEqual([
      { role: 'assistant', content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_use', id: calls[0]!.id, name: 'get_weather', input: { city: 'Lima' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: calls[0]!.id, content: '19°C, overcast' }] },
    ]);

    const convo = await conversationWithCalls(t.url, `openai-${dialect}`, 2);
    expect(convo.usage).toMatchObject({ input_tokens: 90, output_tokens: 22 });
    expect(convo.calls.map((c) => [c.call_kind, c.streamed, c.tool_names])).toEqual([
      ['chat_completion', true, ['get_weather']],
      ['chat_completion', false, []],
    ]);

    // Refused as documented (n must be 1), in OpenAI's error shape.
    const refused = await client.chat.completions.create({ model: MODEL, messages, n: 2 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).error).toMatchObject({ message: 'n: must be exactly 1', type: 'invalid_request_error' });
    const unauthenticated = await new OpenAI({ baseURL: `${t.url}/v1`, apiKey: 'wrong', maxRetries: 0 }).chat.completions
      .create({ model: MODEL, messages })
      .catch((e: unknown) => e);
    expect(unauthenticated).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('openai: a stream the provider breaks off with an error ends with that error, after the text before it', async () => {
    const client = new OpenAI({ baseURL: `${t.url}/v1`, apiKey: TEST_API_KEY, maxRetries: 0 });
    fake.enqueue({ midStreamError: { type: 'overloaded_error', message: 'Overloaded' }, content: [{ type: 'text', text: 'Partial answer' }] });
    const stream = await client.chat.completions.create(
      { model: MODEL, messages: [{ role: 'user', content: 'Tell me.' }], stream: true },
      { headers: { 'agentd-conversation-id': `openai-broken-${dialect}` } },
    );
    let text = '';
    const failed = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })().catch((e: unknown) => e);
    // The fake breaks off inside the text: what arrived before the error is the start of it.
    expect(text.length).toBeGreaterThan(0);
    expect('Partial answer'.startsWith(text)).toBe(true);
    expect(failed).toBeInstanceOf(OpenAI.APIError);
    expect((failed as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ type: 'overloaded_error', message: 'Overloaded' });
    const convo = await conversationWithCalls(t.url, `openai-broken-${dialect}`, 1);
    expect(convo.calls[0]).toMatchObject({ call_kind: 'chat_completion', streamed: true, outcome: 'overloaded_error' });
  });

  it('@langchain/anthropic: a tool-calling exchange', async () => {
    const model = new ChatAnthropic({
      model: MODEL,
      apiKey: TEST_API_KEY,
      anthropicApiUrl: t.url,
      maxRetries: 0,
      maxTokens: 256,
      clientOptions: { defaultHeaders: { 'agentd-conversation-id': `langchain-${dialect}` } },
    });
    const withTools = model.bindTools([
      {
        name: 'lookup_population',
        description: 'Population of a city',
        input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      },
    ]);
    fake.enqueue({ content: [{ type: 'tool_use', name: 'lookup_population', input: { city: 'Tartu' } }], usage: { input_tokens: 25, output_tokens: 9 } });
    const question = new HumanMessage('How many people live in Tartu? (langchain)');
    const first = (await withTools.invoke([question])) as AIMessage;
    expect(first.tool_calls).toEqual([expect.objectContaining({ name: 'lookup_population', args: { city: 'Tartu' } })]);
    const callId = first.tool_calls![0]!.id!;
    fake.enqueue({ content: [{ type: 'text', text: 'About 97,000 people.' }], usage: { input_tokens: 40, output_tokens: 6 } });
    const second = await withTools.invoke([question, first, new ToolMessage({ tool_call_id: callId, content: '97,000' })]);
    expect(second.content).toBe('About 97,000 people.');
    const sent = fake.requests.at(-1)!.body.messages;
    expect(sent.at(-1)).toMatchObject({ role: 'user', content: [{ type: 'tool_result', tool_use_id: callId }] });

    const convo = await conversationWithCalls(t.url, `langchain-${dialect}`, 2);
    expect(convo.usage).toMatchObject({ input_tokens: 65, output_tokens: 15 });
    expect(convo.calls.map((c) => c.tool_names)).toEqual([['lookup_population'], []]);
  });

  it('@ai-sdk/anthropic: a tool-calling exchange run by generateText', async () => {
    const anthropic = createAnthropic({ baseURL: `${t.url}/v1`, apiKey: TEST_API_KEY });
    fake.enqueue({ content: [{ type: 'tool_use', name: 'convert', input: { celsius: 20 } }], usage: { input_tokens: 33, output_tokens: 7 } });
    fake.enqueue({ content: [{ type: 'text', text: '20°C is 68°F.' }], usage: { input_tokens: 50, output_tokens: 8 } });
    const result = await generateText({
      model: anthropic(MODEL),
      maxRetries: 0,
      headers: { 'agentd-conversation-id': `ai-sdk-${dialect}` },
      prompt: 'What is 20°C in Fahrenheit?',
      tools: {
        convert: tool({
          description: 'Celsius to Fahrenheit',
          inputSchema: jsonSchema<{ celsius: number }>({ type: 'object', properties: { celsius: { type: 'number' } }, required: ['celsius'] }),
          execute: async ({ celsius }) => ({ fahrenheit: (celsius * 9) / 5 + 32 }),
        }),
      },
      stopWhen: stepCountIs(3),
    });
    expect(result.text).toBe('20°C is 68°F.');
    expect(result.steps[0]!.toolCalls.map((c) => c.toolName)).toEqual(['convert']);
    const sent = fake.requests.at(-1)!.body.messages;
    expect(sent.at(-1)).toMatchObject({ role: 'user', content: [{ type: 'tool_result' }] });
    const convo = await conversationWithCalls(t.url, `ai-sdk-${dialect}`, 2);
    expect(convo.usage).toMatchObject({ input_tokens: 83, output_tokens: 15 });
    expect(convo.calls.map((c) => c.tool_names)).toEqual([['convert'], []]);
  });
});

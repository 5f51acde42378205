// The SDK's own SessionToolRunner (client.beta.sessions.events.toolRunner) answering a custom tool.
import { describe, expect, it } from 'vitest';
import { betaTool } from '@anthropic-ai/sdk/helpers/beta/json-schema';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { dialects } from '../helpers/databases.js';
import { createEnvironment } from '../helpers/fixtures.js';
import { sendText } from '../helpers/turns.js';

describe.each(dialects())('SDK SessionToolRunner against agentd (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake }));

  it('dispatches agent.custom_tool_use to a local tool and the session finishes end_turn', async () => {
    const agent = await t.client.beta.agents.create({
      name: 'runner',
      model: 'claude-sonnet-4-6',
      tools: [
        {
          type: 'custom',
          name: 'add',
          description: 'Add two numbers',
          input_schema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
        },
      ],
    });
    const env = await createEnvironment(t.client);
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    fake.enqueue(
      { content: [{ type: 'tool_use', id: 'toolu_add', name: 'add', input: { a: 2, b: 40 } }] },
      { content: [{ type: 'text', text: 'The sum is 42.' }] },
    );
    const calls: Array<{ a: number; b: number }> = [];
    const add = betaTool({
      name: 'add',
      inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
      description: 'Add two numbers',
      run: async (input: { a: number; b: number }) => {
        calls.push(input);
        return String(input.a + input.b);
      },
    });
    const runner = t.client.beta.sessions.events.toolRunner(session.id, { tools: [add], maxIdleMs: 300 });
    await sendText(t.client, session.id, 'What is 2 + 40?');
    const dispatched = [];
    for await (const call of runner) dispatched.push(call);

    expect(calls).toEqual([{ a: 2, b: 40 }]);
    expect(dispatched).toHaveLength(1);
    expect(dispatched[0]).toMatchObject({ name: 'add', isError: false, posted: true });
    const events = (await t.client.beta.sessions.events.list(session.id)).data;
    expect(events.find((e) => e.type === 'user.custom_tool_result')).toMatchObject({ content: [{ type: 'text', text: '42' }] });
    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    const lastRequest = fake.requests.at(-1)!.body as Record<string, any>;
    expect(lastRequest.messages.at(-1).content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_add' });
  });
});

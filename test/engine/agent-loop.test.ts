import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { sendText, streamWhile, typesOf, waitSettled } from '../helpers/turns.js';

describe.each(dialects())('agent loop (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake, env: { AGENTD_WEB_FETCH: 'agentd' } }));

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
      'session.usage',
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

  it('custom tool round trip: requires_action, then resumes on user.custom_tool_result', async () => {
    const session = await newSession({
      tools: [
        {
          type: 'custom',
          name: 'get_weather',
          description: 'Weather for a city',
          input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      ],
    });
    fake.enqueue(
      { content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'toolu_w1', name: 'get_weather', input: { city: 'Oslo' } }] },
      { content: [{ type: 'text', text: 'It is 3°C in Oslo.' }] },
    );
    const first = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'Weather in Oslo?'), (e) => e.type === 'session.status_idle');
    const use = first.find((e) => e.type === 'agent.custom_tool_use')!;
    expect(use).toMatchObject({ type: 'agent.custom_tool_use', name: 'get_weather', input: { city: 'Oslo' } });
    expect(first.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'requires_action', event_ids: [use.id] } });
    expect((await t.client.beta.sessions.retrieve(session.id)).status).toBe('idle');

    const second = await streamWhile(t.client, session.id, () =>
      t.client.beta.sessions.events.send(session.id, {
        events: [{ type: 'user.custom_tool_result', custom_tool_use_id: use.id, content: [{ type: 'text', text: '3°C' }] }],
      }),
    );
    expect(second.find((e) => e.type === 'agent.message')).toMatchObject({ content: [{ text: 'It is 3°C in Oslo.' }] });
    expect(second.at(-1)).toMatchObject({ stop_reason: { type: 'end_turn' } });
    const replay = fake.requests.at(-1)!.body as Record<string, any>;
    expect(replay.messages[1].content[1]).toMatchObject({ type: 'tool_use', id: 'toolu_w1' });
    expect(replay.messages[2].content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_w1', content: [{ type: 'text', text: '3°C' }] });

    // The same call cannot be answered twice.
    const again = await t.client.beta.sessions.events
      .send(session.id, { events: [{ type: 'user.custom_tool_result', custom_tool_use_id: use.id, content: [] }] })
      .catch((e) => e);
    expect(again.status).toBe(400);
  });

  it('runs each built-in tool in the session workspace (/workspace)', async () => {
    const session = await newSession({ tools: [{ type: 'agent_toolset_20260401' }] });
    fake.enqueue(
      { content: [{ type: 'tool_use', name: 'write', input: { file_path: '/workspace/notes/a.txt', content: 'alpha\nbeta\n' } }] },
      { content: [{ type: 'tool_use', name: 'read', input: { file_path: 'notes/a.txt' } }] },
      { content: [{ type: 'tool_use', name: 'edit', input: { file_path: 'notes/a.txt', old_string: 'beta', new_string: 'gamma' } }] },
      { content: [{ type: 'tool_use', name: 'bash', input: { command: 'cat notes/a.txt && pwd' } }] },
      { content: [{ type: 'tool_use', name: 'glob', input: { pattern: '**/*.txt' } }] },
      { content: [{ type: 'tool_use', name: 'grep', input: { pattern: 'gam+a' } }] },
      { content: [{ type: 'tool_use', name: 'web_fetch', input: { url: 'http://127.0.0.1:9/' } }] },
      { content: [{ type: 'text', text: 'All done.' }] },
    );
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'Use every tool'));
    const results = events.filter((e) => e.type === 'agent.tool_result');
    const uses = events.filter((e) => e.type === 'agent.tool_use');
    expect(uses.map((u) => u.name)).toEqual(['write', 'read', 'edit', 'bash', 'glob', 'grep', 'web_fetch']);
    expect(uses.every((u) => u.evaluated_permission === 'allow')).toBe(true);
    const text = (i: number) => (results[i]!.content ?? []).map((b) => ('text' in b ? b.text : '')).join('');
    expect(results.map((r) => r.tool_use_id)).toEqual(uses.map((u) => u.id));
    expect(results.slice(0, 6).map((r, i) => (r.is_error ? text(i) : 'ok'))).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect(text(1)).toContain('alpha');
    expect(text(3)).toContain('alpha\ngamma');
    expect(text(3)).toContain('/workspace'); // pwd: the agent sees its workspace as /workspace
    expect(text(4)).toBe('/workspace/notes/a.txt');
    expect(text(5)).toContain('a.txt');
    // web_fetch runs in agentd and never reaches loopback by default (web-fetch.test.ts has the rest).
    expect(results[6]).toMatchObject({ is_error: true });
    expect(text(6)).toContain('private or local address');
    expect(events.at(-1)).toMatchObject({ stop_reason: { type: 'end_turn' } });
  });

  it('concurrent confirmations of one call: exactly one is accepted, the others are told it was answered', async () => {
    const session = await newSession({
      tools: [{ type: 'agent_toolset_20260401', default_config: { permission_policy: { type: 'always_ask' } }, configs: [{ name: 'web_search', enabled: false }] }],
    });
    fake.enqueue(
      { content: [{ type: 'tool_use', id: 'toolu_race', name: 'bash', input: { command: 'echo once >> once.txt' } }] },
      { content: [{ type: 'text', text: 'Ran it.' }] },
    );
    const asked = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'go'), (e) => e.type === 'session.status_idle');
    const use = asked.find((e) => e.type === 'agent.tool_use')!;
    const confirm = () =>
      t.client.beta.sessions.events.send(session.id, { events: [{ type: 'user.tool_confirmation', tool_use_id: use.id, result: 'allow' }] });
    const results = await Promise.allSettled(Array.from({ length: 6 }, confirm));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
      expect(r.reason.status).toBe(400);
      expect(r.reason.error.error.message).toMatch(/was already answered/);
    }
    await waitSettled(t.client, session.id);
    const confirmations = (await t.client.beta.sessions.events.list(session.id, { types: ['user.tool_confirmation'] })).data;
    expect(confirmations).toHaveLength(1);
  });

  it('always_ask: allow runs the tool, deny returns the message to the model as an error', async () => {
    const session = await newSession({
      tools: [{ type: 'agent_toolset_20260401', default_config: { permission_policy: { type: 'always_ask' } }, configs: [{ name: 'web_search', enabled: false }] }],
    });
    fake.enqueue(
      { content: [{ type: 'tool_use', id: 'toolu_a', name: 'bash', input: { command: 'echo allowed-ran' } }] },
      { content: [{ type: 'tool_use', id: 'toolu_b', name: 'bash', input: { command: 'echo denied-ran > denied.txt' } }] },
      { content: [{ type: 'text', text: 'Understood.' }] },
    );
    const asked = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'go'), (e) => e.type === 'session.status_idle');
    const first = asked.find((e) => e.type === 'agent.tool_use')!;
    expect(first).toMatchObject({ name: 'bash', evaluated_permission: 'ask' });
    expect(asked.at(-1)).toMatchObject({ stop_reason: { type: 'requires_action', event_ids: [first.id] } });

    const afterAllow = await streamWhile(
      t.client,
      session.id,
      () => t.client.beta.sessions.events.send(session.id, { events: [{ type: 'user.tool_confirmation', tool_use_id: first.id, result: 'allow' }] }),
      (e) => e.type === 'session.status_idle',
    );
    const ran = afterAllow.find((e) => e.type === 'agent.tool_result')!;
    expect(ran).toMatchObject({ tool_use_id: first.id, is_error: false });
    const second = afterAllow.find((e) => e.type === 'agent.tool_use')!;
    expect(afterAllow.at(-1)).toMatchObject({ stop_reason: { type: 'requires_action', event_ids: [second.id] } });

    const afterDeny = await streamWhile(t.client, session.id, () =>
      t.client.beta.sessions.events.send(session.id, {
        events: [{ type: 'user.tool_confirmation', tool_use_id: second.id, result: 'deny', deny_message: 'Do not write files.' }],
      }),
    );
    expect(afterDeny.find((e) => e.type === 'agent.tool_result')).toMatchObject({ tool_use_id: second.id, is_error: true });
    expect(afterDeny.at(-1)).toMatchObject({ stop_reason: { type: 'end_turn' } });
    const lastRequest = fake.requests.at(-1)!.body as Record<string, any>;
    const denial = lastRequest.messages.at(-1).content[0];
    expect(denial).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_b', is_error: true });
    expect(JSON.stringify(denial.content)).toContain('Do not write files.');
    // The denied command never ran.
    const check = await streamWhile(t.client, session.id, async () => {
      fake.enqueue(
        { content: [{ type: 'tool_use', name: 'glob', input: { pattern: 'denied.txt' } }] },
        { content: [{ type: 'text', text: 'checked' }] },
      );
      await t.client.beta.sessions.update(session.id, { agent: { tools: [{ type: 'agent_toolset_20260401' }] } });
      await sendText(t.client, session.id, 'check');
    });
    const globResult = check.find((e) => e.type === 'agent.tool_result')!;
    expect(JSON.stringify(globResult.content)).not.toContain('denied.txt');
  });

  it('three queued messages are all seen by the model, in order, in one turn', async () => {
    const session = await newSession();
    // The engine may pick up the first message before the others arrive (then it answers in two
    // model calls), so answer however many calls it makes.
    fake.setResponder(() => ({ content: [{ type: 'text', text: 'Got it.' }] }));
    await sendText(t.client, session.id, 'Summarize the README');
    await sendText(t.client, session.id, 'Actually also check CONTRIBUTING');
    await sendText(t.client, session.id, 'And compare the two');
    const events = await waitSettled(t.client, session.id).finally(() => fake.setResponder(undefined));
    expect(events.filter((e) => e.type === 'span.model_request_start').length).toBeGreaterThanOrEqual(1);
    const seen = fake.requests
      .filter((r) => r.path.startsWith('/v1/messages'))
      .slice(-2)
      .map((r) => JSON.stringify((r.body as Record<string, any>).messages));
    const all = seen.join('');
    const order = ['Summarize the README', 'Actually also check CONTRIBUTING', 'And compare the two'].map((m) => all.lastIndexOf(m));
    expect(order.every((i) => i >= 0)).toBe(true);
    const last = (fake.requests.at(-1)!.body as Record<string, any>).messages as Array<{ content: Array<{ text?: string }> }>;
    const texts = last.flatMap((m) => m.content.map((b) => b.text ?? ''));
    expect(texts.indexOf('Summarize the README')).toBeLessThan(texts.indexOf('And compare the two'));
    const listed = (await t.client.beta.sessions.events.list(session.id, { types: ['user.message'] })).data;
    expect(listed.every((e) => e.processed_at !== null)).toBe(true);
  });

  it('accumulates usage across turns', async () => {
    const session = await newSession();
    fake.enqueue(
      { content: [{ type: 'text', text: 'one' }], usage: { input_tokens: 100, output_tokens: 10, cache_creation_input_tokens: 50 } },
      { content: [{ type: 'text', text: 'two' }], usage: { input_tokens: 20, output_tokens: 5, cache_read_input_tokens: 150 } },
    );
    await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'first'));
    await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'second'));
    const usage = (await t.client.beta.sessions.retrieve(session.id)).usage;
    expect(usage).toMatchObject({
      input_tokens: 120,
      output_tokens: 15,
      cache_read_input_tokens: 150,
      cache_creation: { ephemeral_5m_input_tokens: 50, ephemeral_1h_input_tokens: 0 },
    });
  });

  it('replays assistant turns exactly (thinking signatures, tool_use ids) and places cache breakpoints', async () => {
    const session = await newSession({
      tools: [
        { type: 'agent_toolset_20260401', default_config: { enabled: false }, configs: [{ name: 'bash', enabled: true }] },
        { type: 'custom', name: 'noop', description: 'Does nothing', input_schema: { type: 'object', properties: {} } },
      ],
    });
    fake.enqueue(
      {
        content: [
          { type: 'thinking', thinking: 'I should run a command.' },
          { type: 'tool_use', id: 'toolu_t1', name: 'bash', input: { command: 'echo hi' } },
        ],
      },
      { content: [{ type: 'thinking', thinking: 'Now answer.' }, { type: 'text', text: 'It printed hi.' }] },
    );
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'run echo'));
    expect(events.at(-1)).toMatchObject({ stop_reason: { type: 'end_turn' } });
    const [first, second] = fake.requests.slice(-2).map((r) => r.body as Record<string, any>);
    // Only the enabled built-in and the custom tool are offered; the last tool carries a breakpoint.
    expect(first!.tools.map((tool: { name: string }) => tool.name)).toEqual(['bash', 'noop']);
    expect(first!.tools.at(-1).cache_control).toEqual({ type: 'ephemeral' });
    const assistant = second!.messages[1];
    expect(assistant.role).toBe('assistant');
    expect(assistant.content[0]).toMatchObject({ type: 'thinking', thinking: 'I should run a command.', signature: expect.any(String) });
    expect(assistant.content[1]).toMatchObject({ type: 'tool_use', id: 'toolu_t1', name: 'bash' });
    expect(second!.messages[2].content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_t1', cache_control: { type: 'ephemeral' } });
    const breakpoints = JSON.stringify(second).split('"cache_control"').length - 1;
    expect(breakpoints).toBeLessThanOrEqual(4);
  });

  it('system.message adds to the system prompt from the next turn on', async () => {
    const session = await newSession();
    fake.enqueue({ content: [{ type: 'text', text: 'one' }] }, { content: [{ type: 'text', text: 'two' }] });
    await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'first'));
    await streamWhile(t.client, session.id, () =>
      t.client.beta.sessions.events.send(session.id, {
        events: [
          { type: 'system.message', content: [{ type: 'text', text: 'The user is in America/New_York.' }] },
          { type: 'user.message', content: [{ type: 'text', text: 'what time zone am I in?' }] },
        ],
      }),
    );
    const [before, after] = fake.requests.slice(-2).map((r) => (r.body as Record<string, any>).system);
    expect(JSON.stringify(before)).not.toContain('New_York');
    expect(after.map((b: { text: string }) => b.text)).toEqual(['Be brief.', 'The user is in America/New_York.']);
  });

  it('the idle gate: a requires_action pause is not the end (client pattern 5)', async () => {
    const session = await newSession({
      tools: [{ type: 'agent_toolset_20260401', default_config: { permission_policy: { type: 'always_ask' } }, configs: [{ name: 'web_search', enabled: false }] }],
    });
    fake.enqueue(
      { content: [{ type: 'tool_use', name: 'read', input: { file_path: 'missing.txt' } }] },
      { content: [{ type: 'text', text: 'The file does not exist.' }] },
    );
    const stream = await t.client.beta.sessions.events.stream(session.id);
    await sendText(t.client, session.id, 'read missing.txt');
    const seen: string[] = [];
    // The client answers at the pause (stop_reason.requires_action lists what waits), so the pause
    // always happens: a confirmation sent on agent.tool_use may reach the engine before it pauses.
    for await (const event of stream) {
      seen.push(event.type);
      if (event.type === 'session.status_terminated') break;
      if (event.type === 'session.status_idle') {
        if (event.stop_reason.type === 'requires_action') {
          for (const id of event.stop_reason.event_ids) {
            await t.client.beta.sessions.events.send(session.id, { events: [{ type: 'user.tool_confirmation', tool_use_id: id, result: 'allow' }] });
          }
          continue;
        }
        break;
      }
    }
    expect(seen.filter((s) => s === 'session.status_idle')).toHaveLength(2);
    expect(seen).toContain('agent.message');
    expect(seen.at(-1)).toBe('session.status_idle');
  });
});

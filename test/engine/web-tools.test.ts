// The toolset's web tools as the provider's server tools, through the official SDK: their configs
// reach the request as the Messages API's web search / web fetch tools, the response's
// server_tool_use and result blocks become agent.tool_use / agent.tool_result events, and the turn
// is replayed to the (validating) fake exactly as returned, also across a paused turn. Where the
// environment's networking is limited, web_fetch is agentd's own tool instead.
import type Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { sendText, streamWhile, type StreamEvent } from '../helpers/turns.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';

const WEB_CONFIGS = [
  { name: 'web_search', allowed_domains: ['docs.example.com'], user_location: { type: 'approximate', city: 'Oslo', country: 'NO' } },
  { name: 'web_fetch', blocked_domains: ['ads.example.com'], max_content_tokens: 2000 },
];

async function webSession(client: Anthropic, networking?: Record<string, unknown>) {
  const agent = await createAgent(client, { tools: [{ type: 'agent_toolset_20260401', configs: WEB_CONFIGS as never }] });
  const env = await createEnvironment(client, { config: { type: 'cloud', ...(networking ? { networking } : {}) } as never });
  return client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
}

const turn = (client: Anthropic, sessionId: string, text: string) => streamWhile(client, sessionId, () => sendText(client, sessionId, text), undefined, 60_000);

/** The request's tools, without the cache breakpoint agentd puts on the last one. */
const toolsOf = (body: { tools?: unknown[] }) =>
  ((body.tools ?? []) as Array<Record<string, unknown>>).map(({ cache_control: _, ...tool }) => tool);

describe.each(dialects())('web tools as provider server tools (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake }));

  it('passes the configs as server tools, maps the blocks to events and replays them unchanged', async () => {
    const session = await webSession(t.client);
    fake.enqueue(
      {
        content: [
          { type: 'server_tool_use', name: 'web_search', input: { query: 'agentd docs' } },
          { type: 'web_search_tool_result', results: [{ url: 'https://docs.example.com/a', title: 'Page A', page_age: '2 days ago' }] },
          { type: 'server_tool_use', name: 'web_fetch', input: { url: 'https://docs.example.com/a' } },
          { type: 'web_fetch_tool_result', url: 'https://docs.example.com/a', title: 'Page A', text: 'The body of page A.' },
          { type: 'text', text: 'Page A says hello.' },
        ],
      },
      { content: [{ type: 'text', text: 'Still here.' }] },
    );
    const events = await turn(t.client, session.id, 'Look it up');
    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });

    const first = fake.requests.at(-1)!.body;
    const byName = new Map(toolsOf(first).map((x) => [x['name'], x]));
    expect(byName.get('web_search')).toEqual({
      type: 'web_search_20250305',
      name: 'web_search',
      allowed_domains: ['docs.example.com'],
      user_location: { type: 'approximate', city: 'Oslo', country: 'NO' },
    });
    expect(byName.get('web_fetch')).toEqual({ type: 'web_fetch_20250910', name: 'web_fetch', blocked_domains: ['ads.example.com'], max_content_tokens: 2000 });
    // The sandbox tools are still ordinary tools.
    expect(byName.get('bash')).toMatchObject({ name: 'bash', input_schema: { type: 'object' } });

    const uses = events.filter((e): e is Extract<StreamEvent, { type: 'agent.tool_use' }> => e.type === 'agent.tool_use');
    const results = events.filter((e): e is Extract<StreamEvent, { type: 'agent.tool_result' }> => e.type === 'agent.tool_result');
    expect(uses.map((u) => [u.name, u.input, u.evaluated_permission])).toEqual([
      ['web_search', { query: 'agentd docs' }, 'allow'],
      ['web_fetch', { url: 'https://docs.example.com/a' }, 'allow'],
    ]);
    expect(results.map((r) => r.tool_use_id)).toEqual(uses.map((u) => u.id));
    expect(results[0]).toMatchObject({
      is_error: false,
      content: [{ type: 'search_result', source: 'https://docs.example.com/a', title: 'Page A', content: [], citations: { enabled: true } }],
    });
    expect(results[1]).toMatchObject({
      is_error: false,
      content: [{ type: 'document', title: 'Page A', source: { type: 'text', media_type: 'text/plain', data: 'The body of page A.' } }],
    });
    expect(events.map((e) => e.type)).toContain('agent.message');
    // Nothing for agentd to run or the client to answer: the turn ended without a tool step.
    expect(events.filter((e) => e.type === 'span.model_request_start')).toHaveLength(1);

    // The next request carries the turn back exactly (the fake checks the pairs and the encrypted hits).
    await turn(t.client, session.id, 'And now?');
    const replay = fake.requests.at(-1)!;
    expect(replay.response.status).toBe(200);
    const assistant = (replay.body.messages as Array<{ role: string; content: Array<{ type: string }> }>)[1]!;
    expect(assistant.role).toBe('assistant');
    expect(assistant.content.map((b) => b.type)).toEqual(['server_tool_use', 'web_search_tool_result', 'server_tool_use', 'web_fetch_tool_result', 'text']);

    const usage = (await t.client.beta.sessions.retrieve(session.id)).usage;
    expect(usage.server_tool_use).toEqual({ web_search_requests: 1, web_fetch_requests: 1 });
  });

  it('a search error is an error result; a paused turn is resumed and its result still points at its use', async () => {
    const session = await webSession(t.client);
    const paused = 'srvtoolu_01PausedSearch0000000000';
    fake.enqueue(
      { content: [{ type: 'server_tool_use', id: paused, name: 'web_search', input: { query: 'slow' } }], stop_reason: 'pause_turn' },
      {
        content: [
          { type: 'web_search_tool_result', tool_use_id: paused, error_code: 'max_uses_exceeded' },
          { type: 'text', text: 'No luck.' },
        ],
      },
    );
    const events = await turn(t.client, session.id, 'Search slowly');
    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    const use = events.find((e) => e.type === 'agent.tool_use') as Extract<StreamEvent, { type: 'agent.tool_use' }>;
    const result = events.find((e) => e.type === 'agent.tool_result') as Extract<StreamEvent, { type: 'agent.tool_result' }>;
    expect(result).toMatchObject({ tool_use_id: use.id, is_error: true, content: [{ type: 'text', text: 'web_search failed: max_uses_exceeded' }] });
    // The resumed request ends with the paused assistant turn, as the API wants it back.
    const resumed = fake.requests.at(-1)!;
    expect(resumed.response.status).toBe(200);
    const messages = resumed.body.messages as Array<{ role: string; content: Array<{ type: string; id?: string }> }>;
    expect(messages.at(-1)).toMatchObject({ role: 'assistant', content: [{ type: 'server_tool_use', id: paused }] });
    expect(events.filter((e) => e.type === 'span.model_request_start')).toHaveLength(2);
  });

  it("under limited networking web_fetch is agentd's own tool (the environment's hosts bind it); web_search stays the provider's", async () => {
    const session = await webSession(t.client, { type: 'limited', allowed_hosts: ['docs.example.com'] });
    fake.enqueue({ content: [{ type: 'text', text: 'ok' }] });
    await turn(t.client, session.id, 'Hi');
    const byName = new Map(toolsOf(fake.requests.at(-1)!.body).map((x) => [x['name'], x]));
    expect(byName.get('web_search')).toMatchObject({ type: 'web_search_20250305' });
    expect(byName.get('web_fetch')).toMatchObject({ name: 'web_fetch', input_schema: { type: 'object' } });
    expect(byName.get('web_fetch')!['type']).toBeUndefined();
  });
});

describe.each(dialects())("AGENTD_WEB_FETCH=agentd (%s)", (dialect) => {
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake, env: { AGENTD_WEB_FETCH: 'agentd' } }));

  it("keeps web_fetch agentd's own on a provider that offers the server tool", async () => {
    const session = await webSession(t.client);
    fake.enqueue({ content: [{ type: 'text', text: 'ok' }] });
    await turn(t.client, session.id, 'Hi');
    const byName = new Map(toolsOf(fake.requests.at(-1)!.body).map((x) => [x['name'], x]));
    expect(byName.get('web_fetch')).toMatchObject({ name: 'web_fetch', input_schema: { type: 'object' } });
    expect(byName.get('web_search')).toMatchObject({ type: 'web_search_20250305' });
  });
});

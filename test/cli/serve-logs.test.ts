// What `agentd serve` logs, read from the real process: one line per request (method, route,
// status, duration, request id), one per session state change and per tool call, JSON when not on
// a terminal and pretty on request, and never a credential.
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { useFakeAnthropic } from '../helpers/use.js';
import { TEST_API_KEY, TEST_MODEL_KEY } from '../helpers/server.js';
import { startServeProcess } from '../helpers/serve-process.js';
import { sendText, streamWhile } from '../helpers/turns.js';

type LogLine = Record<string, unknown> & { level: number; msg: string };

const jsonLines = (text: string): LogLine[] =>
  text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

describe('agentd serve logs', () => {
  const fake = useFakeAnthropic();
  const env = () => ({
    AGENTD_API_KEY: TEST_API_KEY,
    ANTHROPIC_BASE_URL: fake.url,
    ANTHROPIC_API_KEY: TEST_MODEL_KEY,
    AGENTD_SANDBOX: 'none',
    AGENTD_LOG_LEVEL: 'info',
  });

  it('JSON off a terminal: a line per request, per session state change and per tool call, no secrets', async () => {
    const server = await startServeProcess(env());
    try {
      const client = new Anthropic({ baseURL: server.url, apiKey: TEST_API_KEY, maxRetries: 0 });
      const environment = await client.beta.environments.create({ name: 'logs-env' });
      const agent = await client.beta.agents.create({ name: 'logs-agent', model: 'claude-sonnet-4-6', tools: [{ type: 'agent_toolset_20260401' }] });
      const missing = await fetch(`${server.url}/v1/agents/agent_missing?beta=true`, { headers: { 'x-api-key': TEST_API_KEY } });
      expect(missing.status).toBe(404);
      const missingId = missing.headers.get('request-id');
      const session = await client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
      fake.enqueue({ content: [{ type: 'tool_use', name: 'bash', input: { command: 'echo hi' } }] }, { content: [{ type: 'text', text: 'Done.' }] });
      await streamWhile(client, session.id, () => sendText(client, session.id, 'Go'), undefined, 30_000);
      await server.stop();

      const lines = jsonLines(server.output());
      const requests = lines.filter((l) => l.route !== undefined);
      const notFound = requests.filter((l) => l.request_id === missingId);
      expect(notFound).toHaveLength(1);
      expect(notFound[0]).toMatchObject({ level: 30, method: 'GET', route: '/v1/agents/:agent_id', status: 404 });
      expect(notFound[0]!.duration_ms).toEqual(expect.any(Number));
      expect(notFound[0]!.msg).toMatch(/^GET \/v1\/agents\/:agent_id 404 [\d.]+ms$/);
      expect(requests.filter((l) => l.method === 'POST' && l.route === '/v1/agents' && l.status === 200)).toHaveLength(1);
      expect(requests.filter((l) => l.route === '/v1/sessions/:session_id/events/stream')).toHaveLength(1);
      // One line per request: every request id appears once.
      const ids = requests.map((l) => l.request_id);
      expect(new Set(ids).size).toBe(ids.length);

      const states = lines.filter((l) => l.session_id === session.id && l.status !== undefined && l.route === undefined).map((l) => l.status);
      expect(states).toEqual(expect.arrayContaining(['running', 'idle']));
      expect(lines.find((l) => l.session_id === session.id && l.status === 'idle')).toMatchObject({ stop_reason: 'end_turn', level: 30 });
      const tools = lines.filter((l) => l.tool !== undefined);
      expect(tools).toHaveLength(1);
      expect(tools[0]).toMatchObject({ session_id: session.id, tool: 'bash', outcome: 'ok', level: 30 });
      expect(tools[0]!.duration_ms).toEqual(expect.any(Number));

      const all = server.output();
      expect(all).not.toContain(TEST_API_KEY);
      expect(all).not.toContain(TEST_MODEL_KEY);
      expect(all).not.toContain('echo hi'); // tool input is not logged
    } finally {
      if (server.process.child.exitCode === null) await server.stop();
    }
  }, 60_000);

  it('AGENTD_LOG_FORMAT=pretty prints one readable line per request', async () => {
    const server = await startServeProcess({ ...env(), AGENTD_LOG_FORMAT: 'pretty' });
    const res = await fetch(`${server.url}/v1/agents?beta=true`, { headers: { authorization: `Bearer ${TEST_API_KEY}` } });
    expect(res.status).toBe(200);
    const requestId = res.headers.get('request-id')!;
    await server.stop();
    const line = server.output().split('\n').find((l) => l.includes(requestId));
    expect(line).toBeDefined();
    expect(line!.startsWith('{')).toBe(false);
    expect(line).toMatch(/INFO.*GET \/v1\/agents 200 [\d.]+ms/);
    expect(server.output()).not.toContain(TEST_API_KEY);
  }, 60_000);

  it('refuses an unknown AGENTD_LOG_FORMAT at start', async () => {
    await expect(startServeProcess({ ...env(), AGENTD_LOG_FORMAT: 'xml' })).rejects.toThrow(/AGENTD_LOG_FORMAT must be one of json, pretty, not "xml"/);
  });
});

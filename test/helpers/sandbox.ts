// Drives built-in tools through the real server: the scripted model "calls" them, the session
// runs them in its sandbox, and the test reads the recorded tool results.
import type Anthropic from '@anthropic-ai/sdk';
import type { FakeAnthropic } from './fake-anthropic/index.js';
import { createAgent, createEnvironment } from './fixtures.js';
import type { TestServer } from './server.js';
import { isTerminal, sendText, streamWhile } from './turns.js';

export interface ToolCall {
  name: string;
  input: Record<string, unknown>;
}

export interface ToolResult {
  text: string;
  isError: boolean;
}

/** A session whose agent has the built-in toolset, in a cloud environment with `networking`. */
export async function toolSession(client: Anthropic, networking?: Anthropic.Beta.EnvironmentCreateParams['config']) {
  const agent = await createAgent(client, { tools: [{ type: 'agent_toolset_20260401' }] });
  const env = await createEnvironment(client, networking ? { config: networking } : {});
  return client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
}

/** Runs `calls` in one turn (one model reply per call) and returns their results, in order. */
export async function runTools(t: TestServer, fake: FakeAnthropic, sessionId: string, calls: ToolCall[]): Promise<ToolResult[]> {
  fake.enqueue(
    ...calls.map((c) => ({ content: [{ type: 'tool_use' as const, name: c.name, input: c.input }] })),
    { content: [{ type: 'text' as const, text: 'Done.' }] },
  );
  const events = await streamWhile(t.client, sessionId, () => sendText(t.client, sessionId, 'go'), isTerminal, 90_000);
  const results = events.filter((e) => e.type === 'agent.tool_result');
  if (results.length !== calls.length) throw new Error(`expected ${calls.length} tool results, got ${results.length}`);
  return results.map((r) => ({
    isError: r.is_error === true,
    text: (r.content ?? []).map((b) => ('text' in b ? b.text : '')).join(''),
  }));
}

export const bash = (command: string, extra: Record<string, unknown> = {}): ToolCall => ({ name: 'bash', input: { command, ...extra } });

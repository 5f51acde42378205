// Runs one agent turn in which the scripted model calls the given built-in tools, one per step,
// and returns each tool result (text and error flag) as the session recorded it.
import type { FakeAnthropic } from './fake-anthropic/index.js';
import type { TestServer } from './server.js';
import { sendText, streamWhile } from './turns.js';

export interface ToolCallScript {
  name: string;
  input: Record<string, unknown>;
}

export interface ToolResultSeen {
  text: string;
  isError: boolean;
}

export async function runToolTurn(t: TestServer, fake: FakeAnthropic, sessionId: string, calls: ToolCallScript[]): Promise<ToolResultSeen[]> {
  fake.enqueue(
    ...calls.map((c) => ({ content: [{ type: 'tool_use' as const, name: c.name, input: c.input }] })),
    { content: [{ type: 'text' as const, text: 'Done.' }] },
  );
  const events = await streamWhile(t.client, sessionId, () => sendText(t.client, sessionId, 'Go'), undefined, 60_000);
  const last = events.at(-1);
  if (last?.type !== 'session.status_idle' || last.stop_reason.type !== 'end_turn') {
    throw new Error(`turn did not end cleanly: ${events.map((e) => e.type).join(', ')}`);
  }
  return events.flatMap((e) =>
    e.type === 'agent.tool_result'
      ? [{ text: (e.content ?? []).map((b) => ('text' in b ? b.text : '')).join(''), isError: e.is_error === true }]
      : [],
  );
}

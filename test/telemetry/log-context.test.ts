// Every log line of a request or a turn carries its request id / session id, added by the
// logger's mixin from the async context (not passed by hand), on the logger agentd builds itself.
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { sendText, streamWhile } from '../helpers/turns.js';

describe.each(dialects())('log correlation (%s)', (dialect) => {
  const lines: Array<Record<string, unknown>> = [];
  const logSink = (text: string) => {
    for (const l of text.split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
  };
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake, env: { AGENTD_SANDBOX: 'none' }, logSink }));

  it('turn lines carry the session id, and the request id of the request that started the turn', async () => {
    const agent = await createAgent(t.client, { tools: [{ type: 'agent_toolset_20260401' }] });
    const env = await createEnvironment(t.client);
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    fake.enqueue(
      { content: [{ type: 'tool_use', name: 'read', input: { file_path: '/workspace/none.txt' } }] },
      { error: { status: 529 } },
      { content: [{ type: 'text', text: 'ok' }] },
    );
    let requestId: string | null = null;
    await streamWhile(t.client, session.id, async () => {
      const { response } = await sendText(t.client, session.id, 'go').withResponse();
      requestId = response.headers.get('request-id');
    });
    const turn = lines.filter((l) => l['msg'] === 'engine step' || l['msg'] === 'model call failed');
    expect(turn.length).toBeGreaterThan(4);
    for (const l of turn) expect(l, JSON.stringify(l)).toMatchObject({ session_id: session.id });
    // No trace target is configured here, so the spans are not recorded; they still give the lines one trace id.
    const traceIds = new Set(turn.map((l) => l['trace_id']));
    expect(traceIds.size).toBe(1);
    expect([...traceIds][0]).toMatch(/^[0-9a-f]{32}$/);
    // The turn was woken by the events request: its lines carry that request's id too.
    expect(requestId).toMatch(/^req_/);
    expect(turn.filter((l) => l['request_id'] === requestId).length).toBeGreaterThan(0);
  });
});

// A step's last write held to go with the next (SessionRunner.hold, StepContext.writeWithNext): a model's reply is
// committed with the turn's end (unless the workspace is snapshotted first), or with the start marker of the tool
// call it asks for, in one transaction; the
// stream shows the same events in the same order as when they were two writes. Real server, PostgreSQL (where a
// row's xmin names the transaction that wrote it).
import { afterAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { testPool } from '../helpers/databases.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { sendText, streamWhile, typesOf } from '../helpers/turns.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';

interface Row {
  type: string;
  xmin: string;
  internal: { started?: boolean } | null;
}

describe.runIf(dialects().includes('postgres'))('held writes (postgres)', () => {
  const fake = useFakeAnthropic();
  const t = useServer('postgres', () => ({ model: fake }));
  let pool: ReturnType<typeof testPool> | undefined;
  afterAll(async () => pool?.end());

  async function rows(sessionId: string): Promise<Row[]> {
    pool ??= testPool(t.databaseUrl!, 1);
    const { rows } = await pool.query<{ type: string; xmin: string; internal: string | null }>(
      'select type, xmin::text as xmin, internal from session_events where session_id = $1 order by seq',
      [sessionId],
    );
    return rows.map((r) => ({ type: r.type, xmin: r.xmin, internal: r.internal === null ? null : JSON.parse(r.internal) }));
  }

  it("commits a reply with the tool call's start marker, and a reply with the turn's end when nothing is to snapshot", async () => {
    const agent = await createAgent(t.client, { model: 'claude-opus-4-8', tools: [{ type: 'agent_toolset_20260401' }] });
    const env = await createEnvironment(t.client);
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    fake.enqueue(
      { content: [{ type: 'tool_use', id: 'toolu_held', name: 'bash', input: { command: 'echo held' } }] },
      { content: [{ type: 'text', text: 'It said held.' }] },
    );
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'Run it'));
    const types = [
      'user.message',
      'session.status_running',
      'span.model_request_start',
      'agent.tool_use',
      'span.model_request_end',
      'session.usage',
      'agent.tool_result',
      'span.model_request_start',
      'agent.message',
      'span.model_request_end',
      'session.usage',
      'session.status_idle',
    ];
    expect(typesOf(events)).toEqual(types);
    expect(events.find((e) => e.type === 'agent.tool_result')).toMatchObject({ is_error: false });

    const log = await rows(session.id);
    expect(log.map((r) => r.type)).toEqual(types);
    const at = (type: string, nth = 0) => log.filter((r) => r.type === type)[nth]!;
    // The tool call was marked started (before it ran) in the transaction that wrote the reply asking for it.
    expect(at('agent.tool_use').internal).toMatchObject({ started: true });
    expect(at('agent.tool_use').xmin).toBe(at('span.model_request_end', 0).xmin);
    expect(at('session.usage', 0).xmin).toBe(at('span.model_request_end', 0).xmin);
    // The tool's result went with the next request's start.
    expect(at('agent.tool_result').xmin).toBe(at('span.model_request_start', 1).xmin);
    // The last reply is one commit; the turn's end waited for the workspace's snapshot (a tool ran, and snapshots
    // are on with PostgreSQL), so the reply was not kept from the stream meanwhile: it is a commit of its own.
    const reply = [at('agent.message'), at('span.model_request_end', 1), at('session.usage', 1)];
    expect(new Set(reply.map((r) => r.xmin)).size).toBe(1);
    expect(at('session.status_idle').xmin).not.toBe(at('agent.message').xmin);

    // A turn without a tool: nothing to snapshot, and the reply goes with the turn's end.
    fake.enqueue({ content: [{ type: 'text', text: 'Nothing to run.' }] });
    await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'Anything else?'));
    const second = (await rows(session.id)).slice(log.length);
    expect(second.map((r) => r.type)).toEqual([
      'user.message',
      'session.status_running',
      'span.model_request_start',
      'agent.message',
      'span.model_request_end',
      'session.usage',
      'session.status_idle',
    ]);
    // The engine's two commits: the request's start (which also stamps the client's message processed, so that row
    // was last written by it), then the reply with the turn's end.
    expect(new Set(second.slice(0, 3).map((r) => r.xmin)).size).toBe(1);
    expect(new Set(second.slice(3).map((r) => r.xmin)).size).toBe(1);
    expect(second[3]!.xmin).not.toBe(second[0]!.xmin);

    const after = await t.client.beta.sessions.retrieve(session.id);
    expect(after.status).toBe('idle');
    expect(after.usage).toMatchObject({ input_tokens: expect.any(Number) });
  });
});

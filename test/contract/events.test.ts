import { describe, expect, it } from 'vitest';
import { useServer } from '../helpers/use.js';
import { dialects } from '../helpers/databases.js';
import { createSession, userMessage } from '../helpers/fixtures.js';

describe.each(dialects())('session events (%s)', (dialect) => {
  const t = useServer(dialect);

  // Answers to tool calls (confirmations, tool results) are covered with the engine in
  // test/engine: they must refer to a real open call, which only the agent loop creates.
  it('accepts client input, echoes it queued, and lists it in order', async () => {
    const session = await createSession(t.client);
    const sent = await t.client.beta.sessions.events.send(session.id, {
      events: [
        userMessage('one'),
        { type: 'user.interrupt' },
        { type: 'user.define_outcome', description: 'a report', rubric: { type: 'text', content: 'is complete' } },
        { type: 'system.message', content: [{ type: 'text', text: 'timezone is UTC' }] },
      ],
    });
    const data = sent.data!;
    expect(data.map((e) => e.type)).toEqual(['user.message', 'user.interrupt', 'user.define_outcome', 'system.message']);
    for (const e of data) {
      expect(e.id).toMatch(/^sevt_/);
      expect(e.processed_at).toBeNull();
    }
    expect(data[2]).toMatchObject({ max_iterations: 3, outcome_id: expect.stringMatching(/^outc_/) });

    const listed = (await t.client.beta.sessions.events.list(session.id)).data;
    expect(listed).toEqual(data);
  });

  it('rejects a batch with one bad event, naming the field, and writes nothing', async () => {
    const session = await createSession(t.client);
    const cases: Array<[unknown[], string]> = [
      [[userMessage('ok'), { type: 'user.message', content: [] }], 'events[1].content'],
      [[{ type: 'user.nonsense' }], 'events[0].type'],
      [[{ type: 'user.message', content: [{ type: 'text', text: 5 }] }], 'events[0].content[0].text'],
      [[{ type: 'user.tool_confirmation', tool_use_id: 'sevt_x', result: 'allow', deny_message: 'why' }], 'events[0].deny_message'],
      [[{ type: 'user.tool_confirmation', tool_use_id: 'sevt_unknown', result: 'allow' }], 'events[0].tool_use_id'],
      [[{ type: 'user.custom_tool_result', custom_tool_use_id: 'sevt_unknown', content: [] }], 'events[0].custom_tool_use_id'],
      [[{ type: 'user.tool_result', tool_use_id: 'sevt_unknown' }], 'events[0]'],
      [[{ type: 'user.define_outcome', description: 'x', rubric: { type: 'file', file_id: 'file_missing' } }], 'events[0].rubric.file_id'],
      // One outcome at a time, also within a batch.
      [[1, 2].map((n) => ({ type: 'user.define_outcome', description: `o${n}`, rubric: { type: 'text', content: 'r' } })), 'events[1]: outcome'],
      [[userMessage('ok'), { type: 'user.message', content: [{ type: 'text', text: 'x' }], extra: 1 }], 'events[1]'],
      [[], 'events'],
    ];
    for (const [events, field] of cases) {
      const err = await t.client.beta.sessions.events.send(session.id, { events: events as never }).catch((e) => e);
      expect(err.status, field).toBe(400);
      expect(err.error.error.type).toBe('invalid_request_error');
      expect(err.error.error.message).toContain(field);
    }
    expect((await t.client.beta.sessions.events.list(session.id)).data).toHaveLength(0);

    const unknown = await t.client.beta.sessions.events.send('sesn_missing', { events: [userMessage('x')] }).catch((e) => e);
    expect(unknown.status).toBe(404);
  });

  it('paginates the log and filters by type', async () => {
    const session = await createSession(t.client);
    for (let i = 0; i < 5; i++) {
      await t.client.beta.sessions.events.send(session.id, { events: [userMessage(`m${i}`), { type: 'user.interrupt' }] });
    }
    const texts: string[] = [];
    for await (const e of t.client.beta.sessions.events.list(session.id, { limit: 3 })) {
      if (e.type === 'user.message') texts.push((e.content[0] as { text: string }).text);
    }
    expect(texts).toEqual(['m0', 'm1', 'm2', 'm3', 'm4']);

    const onlyMessages = await t.client.beta.sessions.events.list(session.id, { types: ['user.message'] });
    expect(onlyMessages.data).toHaveLength(5);
    const newestFirst = await t.client.beta.sessions.events.list(session.id, { order: 'desc', limit: 1 });
    expect(newestFirst.data[0]!.type).toBe('user.interrupt');
    expect(newestFirst.next_page).not.toBeNull();
  });
});

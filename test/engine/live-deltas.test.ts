// Live previews through the official SDK: a stream opened with event_deltas gets event_start /
// event_delta while the model streams, under the id of the durable event that concludes them; the
// log keeps only durable events; a reconnect gets the durable events it missed, no orphan deltas.
import { describe, expect, it } from 'vitest';
import type { BetaManagedAgentsStreamSessionEvents as StreamEvent } from '@anthropic-ai/sdk/resources/beta/sessions/events.js';
import { dialects } from '../helpers/databases.js';
import { expectEnvelope, failure } from '../helpers/errors.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { StreamReader } from '../helpers/stream.js';
import { isTerminal, sendText } from '../helpers/turns.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';

const LONG = 'The quick brown fox jumps over the lazy dog, and then it does so again, several times over. '.repeat(3).trim();

describe.each(dialects())('live deltas (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake }));

  async function newSession() {
    const agent = await createAgent(t.client, { model: 'claude-opus-4-8' });
    const env = await createEnvironment(t.client);
    return t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
  }

  it('previews agent.message and agent.thinking; deltas concatenate to the durable message', async () => {
    const session = await newSession();
    fake.enqueue({ content: [{ type: 'thinking', thinking: 'Let me think.' }, { type: 'text', text: LONG }], chunkDelayMs: 5 });
    const stream = await t.client.beta.sessions.events.stream(session.id, { event_deltas: ['agent.message', 'agent.thinking'] });
    const reader = new StreamReader(stream);
    await sendText(t.client, session.id, 'Tell me');
    const events = await reader.until(isTerminal);
    stream.controller.abort();

    const starts = events.filter((e) => e.type === 'event_start');
    expect(starts.map((e) => e.type === 'event_start' && e.event.type)).toEqual(['agent.thinking', 'agent.message']);
    const thinking = events.find((e) => e.type === 'agent.thinking')!;
    const message = events.find((e) => e.type === 'agent.message')!;
    expect(starts[0]).toEqual({ type: 'event_start', event: { type: 'agent.thinking', id: thinking.id } });
    expect(starts[1]).toEqual({ type: 'event_start', event: { type: 'agent.message', id: message.id } });

    const deltas = events.filter((e) => e.type === 'event_delta');
    expect(deltas.length).toBeGreaterThan(2);
    for (const d of deltas) expect(d).toMatchObject({ event_id: message.id, delta: { type: 'content_delta', index: 0, content: { type: 'text' } } });
    const text = deltas.map((d) => (d.type === 'event_delta' ? d.delta.content.text : '')).join('');
    expect(text).toBe(LONG);
    expect(message).toMatchObject({ content: [{ type: 'text', text: LONG }] });
    // Every delta comes after its start and before the durable event.
    const at = (e: StreamEvent) => events.indexOf(e);
    expect(Math.max(...deltas.map(at))).toBeLessThan(at(message));
    expect(Math.min(...deltas.map(at))).toBeGreaterThan(at(starts[1]!));

    // The log has none of them.
    const listed = (await t.client.beta.sessions.events.list(session.id)).data;
    expect(listed.some((e) => (e.type as string) === 'event_start' || (e.type as string) === 'event_delta')).toBe(false);
    expect(listed.find((e) => e.type === 'agent.message')!.id).toBe(message.id);
  });

  it('sends only the previews asked for, and none without event_deltas', async () => {
    const session = await newSession();
    fake.enqueue({ content: [{ type: 'thinking', thinking: 'Hm.' }, { type: 'text', text: LONG }] });
    const thinkingOnly = await t.client.beta.sessions.events.stream(session.id, { event_deltas: ['agent.thinking'] });
    const plain = await t.client.beta.sessions.events.stream(session.id);
    const a = new StreamReader(thinkingOnly);
    const b = new StreamReader(plain);
    await sendText(t.client, session.id, 'go');
    const [withThinking, without] = await Promise.all([a.until(isTerminal), b.until(isTerminal)]);
    thinkingOnly.controller.abort();
    plain.controller.abort();
    expect(withThinking.filter((e) => e.type === 'event_start').map((e) => e.type === 'event_start' && e.event.type)).toEqual(['agent.thinking']);
    expect(withThinking.some((e) => e.type === 'event_delta')).toBe(false);
    expect(without.some((e) => e.type === 'event_start' || e.type === 'event_delta')).toBe(false);
  });

  it('a reconnect mid-message gets the durable events it missed and the final message, no orphan deltas', async () => {
    const session = await newSession();
    fake.enqueue({ content: [{ type: 'text', text: LONG }], chunkDelayMs: 40 });
    const first = await t.client.beta.sessions.events.stream(session.id, { event_deltas: ['agent.message'] });
    const reader = new StreamReader(first);
    await sendText(t.client, session.id, 'go');
    // Read up to the second delta, then drop the connection mid-message.
    let seen = 0;
    const before = await reader.until((e) => e.type === 'event_delta' && ++seen === 2);
    first.controller.abort();
    const lastDurable = [...before].reverse().find((e) => e.type !== 'event_start' && e.type !== 'event_delta')!;
    const listed = (await t.client.beta.sessions.events.list(session.id)).data;
    // The SDK resumes from the last frame id it saw; a client passes it as Last-Event-ID.
    const seq = listed.findIndex((e) => e.id === (lastDurable as { id: string }).id) + 1;
    const again = await t.client.beta.sessions.events.stream(session.id, { event_deltas: ['agent.message'] }, { headers: { 'Last-Event-ID': String(seq) } });
    const after = await new StreamReader(again).until(isTerminal);
    again.controller.abort();
    expect(after.some((e) => e.type === 'event_delta' || e.type === 'event_start')).toBe(false);
    const message = after.find((e) => e.type === 'agent.message');
    expect(message).toMatchObject({ content: [{ type: 'text', text: LONG }] });
    expect(after.map((e) => ('id' in e ? e.id : undefined))).not.toContain((lastDurable as { id: string }).id);
  });

  it('refuses an event type that cannot be previewed', async () => {
    const session = await newSession();
    const err = await failure(t.client.beta.sessions.events.stream(session.id, { event_deltas: ['agent.tool_use' as never] }));
    expectEnvelope(err, 400, 'invalid_request_error');
    expect(err.error.error.message).toMatch(/^event_deltas: /);
  });
});

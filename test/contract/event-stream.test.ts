import { describe, expect, it } from 'vitest';
import type { BetaManagedAgentsStreamSessionEvents } from '@anthropic-ai/sdk/resources/beta/sessions/events.js';
import { useServer } from '../helpers/use.js';
import { dialects } from '../helpers/databases.js';
import { createSession, userMessage } from '../helpers/fixtures.js';
import { TEST_API_KEY } from '../helpers/server.js';
import { StreamReader, takeEvents } from '../helpers/stream.js';

type StreamEvent = BetaManagedAgentsStreamSessionEvents;
const idOf = (e: StreamEvent) => ('id' in e ? e.id : '');
const textOf = (e: StreamEvent) => (e.type === 'user.message' ? (e.content[0] as { text: string }).text : e.type);

describe.each(dialects())('event stream (%s)', (dialect) => {
  const t = useServer(dialect, () => ({ env: { AGENTD_HEARTBEAT_MS: '200' } }));

  it('stream first, then send: delivers only what happens after it opens', async () => {
    const session = await createSession(t.client, { initial_events: [userMessage('before')] });
    const stream = await t.client.beta.sessions.events.stream(session.id);
    await t.client.beta.sessions.events.send(session.id, { events: [userMessage('after-1'), userMessage('after-2')] });
    const reader = new StreamReader(stream);
    const got = await reader.take(2);
    expect(got.map(textOf)).toEqual(['after-1', 'after-2']);
    expect(got[0]).toMatchObject({ type: 'user.message', processed_at: null });
    expect(await reader.quietFor(300)).toBe(true);
    stream.controller.abort();
  });

  it('two concurrent streams receive identical events', async () => {
    const session = await createSession(t.client);
    const [a, b] = await Promise.all([
      t.client.beta.sessions.events.stream(session.id),
      t.client.beta.sessions.events.stream(session.id),
    ]);
    const sends = Array.from({ length: 10 }, (_, i) =>
      t.client.beta.sessions.events.send(session.id, { events: [userMessage(`m${i}`)] }),
    );
    await Promise.all(sends);
    const [ga, gb] = await Promise.all([takeEvents(a, 10), takeEvents(b, 10)]);
    expect(ga.map(idOf)).toEqual(gb.map(idOf));
    expect(new Set(ga.map(idOf)).size).toBe(10);
    const logged = (await t.client.beta.sessions.events.list(session.id)).data.map((e) => e.id);
    expect(ga.map(idOf)).toEqual(logged);
    a.controller.abort();
    b.controller.abort();
  });

  it('resumes after Last-Event-ID with nothing lost or repeated', async () => {
    const session = await createSession(t.client);
    const stream = await t.client.beta.sessions.events.stream(session.id);
    await t.client.beta.sessions.events.send(session.id, { events: [userMessage('a'), userMessage('b')] });
    await takeEvents(stream, 2);
    stream.controller.abort(); // the client drops after seeing 2 events (sequence 2)

    await t.client.beta.sessions.events.send(session.id, { events: [userMessage('c'), userMessage('d')] });
    const resumed = await t.client.beta.sessions.events.stream(session.id, {}, { headers: { 'Last-Event-ID': '2' } });
    await t.client.beta.sessions.events.send(session.id, { events: [userMessage('e')] });
    const reader = new StreamReader(resumed);
    const got = await reader.take(3);
    expect(got.map(textOf)).toEqual(['c', 'd', 'e']);
    expect(await reader.quietFor(300)).toBe(true);
    resumed.controller.abort();

    const bad = await t.client.beta.sessions.events
      .stream(session.id, {}, { headers: { 'Last-Event-ID': 'nope' } })
      .catch((e) => e);
    expect(bad.status).toBe(400);
  });

  it('list + stream consolidation de-duplicates by id (client pattern 1)', async () => {
    const session = await createSession(t.client);
    await t.client.beta.sessions.events.send(session.id, { events: [userMessage('h1'), userMessage('h2')] });
    const stream = await t.client.beta.sessions.events.stream(session.id);
    // Sent while the consumer is between "stream opened" and "history read": must appear once.
    await t.client.beta.sessions.events.send(session.id, { events: [userMessage('live-1')] });
    const seen = new Set<string>();
    const handled: string[] = [];
    for await (const e of t.client.beta.sessions.events.list(session.id)) {
      seen.add(e.id);
      handled.push(textOf(e as StreamEvent));
    }
    await t.client.beta.sessions.events.send(session.id, { events: [userMessage('live-2')] });
    for (const e of await takeEvents(stream, 2)) {
      if (!seen.has(idOf(e))) {
        seen.add(idOf(e));
        handled.push(textOf(e));
      }
    }
    expect(handled).toEqual(['h1', 'h2', 'live-1', 'live-2']);
    stream.controller.abort();
  });

  it('sends heartbeats on idle streams and frames carry id and event name', async () => {
    const session = await createSession(t.client);
    const ctrl = new AbortController();
    const res = await fetch(`${t.url}/v1/sessions/${session.id}/events/stream`, {
      headers: { 'x-api-key': TEST_API_KEY },
      signal: ctrl.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    await t.client.beta.sessions.events.send(session.id, { events: [userMessage('x')] });
    const deadline = Date.now() + 5000;
    while (!(text.includes('event: ping') && text.includes('event: user.message')) && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value);
    }
    expect(text).toContain('event: ping');
    expect(text).toMatch(/id: 1\nevent: user\.message\ndata: \{/);
    ctrl.abort();
  });

  it('ends the stream when the session is deleted', async () => {
    const session = await createSession(t.client);
    const stream = await t.client.beta.sessions.events.stream(session.id);
    await t.client.beta.sessions.delete(session.id);
    const got = await takeEvents(stream, 2, 5000);
    expect(got.map((e) => e.type)).toEqual(['session.deleted']);
  });

  it('404s a stream for an unknown session before opening it', async () => {
    const err = await t.client.beta.sessions.events.stream('sesn_missing').catch((e) => e);
    expect(err.status).toBe(404);
  });
});

// The gateway's own HTTP path to a first-party upstream: what the scripted fake does not exercise — a base URL with
// a path prefix and a bearer token, several frames arriving in one read, an upstream that breaks off mid-stream, and
// an upstream that cannot be reached. The upstream here is a real HTTP server on loopback.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { expectEnvelope, failure } from '../helpers/errors.js';
import { conversationWithCalls } from '../helpers/gateway.js';
import { TEST_API_KEY } from '../helpers/server.js';
import { useServer } from '../helpers/use.js';

const MODEL = 'claude-sonnet-4-6';
const frame = (event: string, data: object) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const MESSAGE = {
  id: 'msg_lean_1',
  type: 'message',
  role: 'assistant',
  model: MODEL,
  content: [],
  stop_reason: null,
  stop_sequence: null,
  usage: { input_tokens: 9, output_tokens: 1 },
};

/** A complete streamed reply of BULK_DELTAS text deltas of 2 KiB each (12 MiB in all). */
const BULK_DELTAS = 6_000;
function bulkStream(): string {
  const text = 'x'.repeat(2_048);
  const deltas = Array.from({ length: BULK_DELTAS }, (_, i) =>
    frame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: `${i}:${text}` } }),
  );
  return (
    frame('message_start', { type: 'message_start', message: { ...MESSAGE, id: 'msg_lean_bulk' } }) +
    frame('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
    deltas.join('') +
    frame('content_block_stop', { type: 'content_block_stop', index: 0 }) +
    frame('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: BULK_DELTAS } }) +
    frame('message_stop', { type: 'message_stop' })
  );
}

interface Seen {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** An upstream whose replies the test writes byte by byte; it records what arrived. */
function rawUpstream(): { url: () => string; seen: Seen[]; close: () => Promise<void> } {
  const seen: Seen[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      const body = JSON.parse(text) as Record<string, unknown>;
      seen.push({ path: req.url ?? '', headers: req.headers, body });
      const messages = body['messages'] as Array<{ content: string }>;
      const script = messages[0]!.content;
      if (script === 'slow') {
        // Silent for longer than the pool's idle-connection limit (4 s): a call in progress must not be cut.
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ...MESSAGE, id: 'msg_lean_slow', content: [{ type: 'text', text: 'slow ok' }], stop_reason: 'end_turn' }));
        }, 4_500);
        return;
      }
      if (script === 'plain') {
        res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_upstream_plain' });
        res.end(JSON.stringify({ ...MESSAGE, content: [{ type: 'text', text: 'plain ok' }], stop_reason: 'end_turn' }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'request-id': 'req_upstream_stream' });
      if (script === 'bulk') {
        // More than the sockets between here and a client that stops reading can hold: agentd must hold its reads.
        res.end(bulkStream());
        return;
      }
      // Three frames in one write (one read at agentd), then half a frame, then the connection breaks.
      res.write(
        frame('message_start', { type: 'message_start', message: MESSAGE }) +
          frame('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
          frame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'partial' } }),
      );
      setTimeout(() => {
        res.write('event: content_block_delta\ndata: {"type":"content_blo');
        setTimeout(() => res.socket?.destroy(), 50);
      }, 50);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)));
  return {
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe.each(dialects())('gateway: first-party HTTP path (%s)', (dialect) => {
  const upstream = rawUpstream();
  afterAll(() => upstream.close());
  const t = useServer(dialect, () => ({
    env: { ANTHROPIC_BASE_URL: `${upstream.url()}/relay/`, ANTHROPIC_API_KEY: '', ANTHROPIC_AUTH_TOKEN: 'tok-upstream' },
  }));

  it('sends to the base URL path with the bearer token, the client headers and the body as given', async () => {
    const message = await t.client.beta.messages.create({
      model: MODEL,
      max_tokens: 32,
      messages: [{ role: 'user', content: 'plain' }],
      betas: ['some-future-beta-2099-01-01'],
    });
    expect(message).toMatchObject({ id: 'msg_lean_1', content: [{ type: 'text', text: 'plain ok' }] });
    const seen = upstream.seen.at(-1)!;
    expect(seen.path).toBe('/relay/v1/messages');
    expect(seen.headers['authorization']).toBe('Bearer tok-upstream');
    expect(seen.headers['x-api-key']).toBeUndefined();
    expect(seen.headers['anthropic-beta']).toBe('some-future-beta-2099-01-01');
    const sdkVersion = seen.headers['anthropic-version'];
    expect(sdkVersion).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(seen.body).toEqual({ model: MODEL, max_tokens: 32, messages: [{ role: 'user', content: 'plain' }] });

    // A client that names no version: the upstream gets the one the official SDK sends.
    const res = await fetch(`${t.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': TEST_API_KEY, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, max_tokens: 8, messages: [{ role: 'user', content: 'plain' }] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(upstream.seen.at(-1)!.headers['anthropic-version']).toBe(sdkVersion);
  });

  it('a call whose provider is silent past the idle-connection limit still completes', async () => {
    const message = await t.client.messages.create({ model: MODEL, max_tokens: 8, messages: [{ role: 'user', content: 'slow' }] });
    expect(message).toMatchObject({ id: 'msg_lean_slow', content: [{ type: 'text', text: 'slow ok' }] });
  }, 30_000);

  it('relays frames that arrive together, and a stream that breaks off ends with the ledger saying so', async () => {
    const res = await fetch(`${t.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': TEST_API_KEY, 'content-type': 'application/json', 'agentd-conversation-id': `broken-${dialect}` },
      body: JSON.stringify({ model: MODEL, max_tokens: 32, stream: true, messages: [{ role: 'user', content: 'stream' }] }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    // Every complete frame, unchanged; the half frame is not passed on.
    expect(text).toBe(
      frame('message_start', { type: 'message_start', message: MESSAGE }) +
        frame('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }) +
        frame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'partial' } }),
    );
    const convo = await conversationWithCalls(t.url, `broken-${dialect}`, 1);
    expect(convo.calls[0]).toMatchObject({ streamed: true, outcome: 'incomplete', message_id: 'msg_lean_1' });
  });

  it('a client that stops reading holds the relay without losing or reordering a byte', async () => {
    const conversation = `bulk-${dialect}`;
    const body = JSON.stringify({ model: MODEL, max_tokens: 32, stream: true, messages: [{ role: 'user', content: 'bulk' }] });
    const text = await new Promise<string>((resolve, reject) => {
      const req = http.request(`${t.url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': TEST_API_KEY, 'content-type': 'application/json', 'agentd-conversation-id': conversation },
      });
      req.on('response', (res) => {
        const parts: Buffer[] = [];
        res.once('data', () => {
          // Stop reading for a while: agentd's writes back up and it must stop reading the provider meanwhile.
          res.pause();
          setTimeout(() => res.resume(), 500);
        });
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(text).toBe(bulkStream());
    const convo = await conversationWithCalls(t.url, conversation, 1);
    expect(convo.calls[0]).toMatchObject({ streamed: true, outcome: 'ok', message_id: 'msg_lean_bulk' });
  }, 30_000);
});

describe.each(dialects())('gateway: unreachable first-party upstream (%s)', (dialect) => {
  // A port that was just free: nothing listens there.
  let closedUrl = '';
  beforeAll(async () => {
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });
  const t = useServer(dialect, () => ({ env: { ANTHROPIC_BASE_URL: closedUrl, ANTHROPIC_API_KEY: 'sk-unused' } }));

  it('answers 502 api_error, plain and streamed', async () => {
    const plain = await failure(t.client.messages.create({ model: MODEL, max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }));
    expect(plain).toBeInstanceOf(Anthropic.APIError);
    expectEnvelope(plain, 502, 'api_error');
    expect(plain.error.error.message).toMatch(/could not reach the model provider/);
    const streamed = await failure(t.client.messages.create({ model: MODEL, max_tokens: 8, stream: true, messages: [{ role: 'user', content: 'x' }] }));
    expectEnvelope(streamed, 502, 'api_error');
  });
});

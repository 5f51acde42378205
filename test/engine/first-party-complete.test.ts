// The agent loop's call on the first-party wire (src/engine/model/first-party-complete.ts) against an upstream on
// loopback that frames its SSE the ways the wire allows: an event's JSON split over several `data:` lines, `ping`
// events and comments between the message's events. The reply is assembled as the SDK assembles it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstPartyComplete } from '../../src/engine/model/first-party-complete.js';
import { firstPartyHttp } from '../../src/engine/model/first-party-http.js';

const events = [
  ['message_start', { type: 'message_start', message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-6', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 5, output_tokens: 0 } } }],
  ['ping', { type: 'ping' }],
  ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hello, ' } }],
  ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'two\nlines' } }],
  ['content_block_stop', { type: 'content_block_stop', index: 0 }],
  ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 4 } }],
  ['message_stop', { type: 'message_stop' }],
] as const;

/** Pretty-printed JSON, one `data:` line per line of it (the SSE way to carry a multi-line payload). */
const frame = ([name, body]: (typeof events)[number]) =>
  `: a comment\nevent: ${name}\n${JSON.stringify(body, null, 2)
    .split('\n')
    .map((line) => `data: ${line}`)
    .join('\n')}\n\n`;

describe('first-party complete', () => {
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(events.map(frame).join(''));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('assembles the reply from multi-line data, skipping pings and comments', async () => {
    const complete = firstPartyComplete(firstPartyHttp({ baseURL: url, apiKey: 'sk-test', authToken: undefined, timeoutMs: 10_000 }));
    const seen: string[] = [];
    const message = await complete(
      { model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] },
      new AbortController().signal,
      (e) => seen.push(e.type),
    );
    expect(message).toMatchObject({ id: 'msg_1', stop_reason: 'end_turn', content: [{ type: 'text', text: 'Hello, two\nlines' }], usage: { output_tokens: 4 } });
    expect(seen).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
  });
});

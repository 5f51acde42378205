// A streamed Messages API call whose client stops reading: agentd disconnects the client once its socket has been
// full with nothing taken for AGENTD_SSE_STALL_MS, and the ledger records the call as incomplete (the scripted
// upstream has written its whole reply into the sockets' buffers by then, so it cannot tell the cancellation). A
// client that reads gets every byte.
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { conversationWithCalls } from '../helpers/gateway.js';
import { TEST_API_KEY } from '../helpers/server.js';
import { pausedResponse } from '../helpers/paused-response.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';

const STALL_MS = 600;
// ~55,000 text deltas, ~7 MB of frames: far past the sockets' buffers on loopback.
const TEXT = 'abcdefghijklmnop'.repeat(55_000);

/** POSTs a streamed call and reads nothing until `resume()`. */
const pausedCall = (url: string, conversation: string) =>
  pausedResponse(
    `${url}/v1/messages`,
    {
      method: 'POST',
      headers: { 'x-api-key': TEST_API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'agentd-conversation-id': conversation },
    },
    JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'A long answer, please' }] }),
  );

describe.each(dialects())('gateway: a stalled stream (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake, env: { AGENTD_SSE_STALL_MS: String(STALL_MS), AGENTD_ENGINE: 'off' } }));

  it('a client that stops reading is disconnected, and the ledger says incomplete', async () => {
    fake.enqueue({ content: [{ type: 'text', text: TEXT }] });
    const before = fake.requests.length;
    const call = pausedCall(t.url, `stalled-${dialect}`);
    await call.opened;
    expect(call.status()).toBe(200);
    // Long enough for the socket to fill and the stall to be noticed; the client has read nothing.
    await new Promise((r) => setTimeout(r, STALL_MS * 4));
    const { ended, text: body } = await call.resume();
    expect(ended, 'the server never disconnected the stalled client').toBe(true);
    // Cut off mid-stream: the frames it got are the reply's first ones, in order, and far from all of them.
    expect(body.startsWith('event: message_start\n')).toBe(true);
    expect(body).not.toContain('event: message_stop');
    const deltas = [...body.matchAll(/"text_delta","text":"([a-p]*)"/g)].map((m) => m[1]).join('');
    expect(deltas.length).toBeGreaterThan(0);
    expect(deltas.length).toBeLessThan(TEXT.length);
    expect(TEXT.startsWith(deltas)).toBe(true);
    await fake.waitForIdle(10_000);
    expect(fake.requests.length).toBe(before + 1);
    const convo = await conversationWithCalls(t.url, `stalled-${dialect}`, 1);
    expect(convo.calls[0]).toMatchObject({ streamed: true, outcome: 'incomplete' });
  }, 60_000);

  it('a client that reads slowly, pausing shorter than the stall limit, gets the whole reply in order', async () => {
    fake.enqueue({ content: [{ type: 'text', text: TEXT }] });
    // Pauses 250 ms after every ~1 MB: the server's writes back up (the socket fills) and must resume on its drain.
    const body = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        `${t.url}/v1/messages`,
        { method: 'POST', agent: false, headers: { 'x-api-key': TEST_API_KEY, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' } },
        (res) => {
          let text = '';
          let sincePause = 0;
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            text += c;
            sincePause += c.length;
            if (sincePause < 1_000_000) return;
            sincePause = 0;
            res.pause();
            setTimeout(() => res.resume(), STALL_MS / 2.4);
          });
          res.on('end', () => resolve(text));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ model: 'claude-sonnet-4-6', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Long, please' }] }));
    });
    const deltas = [...body.matchAll(/"text_delta","text":"([a-p]*)"/g)].map((m) => m[1]).join('');
    expect(deltas.length).toBe(TEXT.length);
    expect(deltas === TEXT).toBe(true);
    expect(body.trimEnd().endsWith('event: message_stop\ndata: {"type":"message_stop"}')).toBe(true);
  }, 60_000);
});

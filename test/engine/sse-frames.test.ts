// The SSE splitter of the gateway's first-party path: complete frames per read, their text as received.
import { describe, expect, it } from 'vitest';
import { SseFrames } from '../../src/engine/model/sse-frames.js';

const START = 'event: message_start\ndata: {"type":"message_start"}\n\n';
const PING = 'event: ping\ndata: {"type": "ping"}\n\n';
const DELTA = 'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"text":"héllo"}}\n\n';

describe('SseFrames', () => {
  it('returns the complete frames of each read together, as text and as events', () => {
    const frames = new SseFrames();
    const chunk = frames.push(START + PING);
    expect(chunk?.text).toBe(START + PING);
    expect(chunk?.events).toEqual([
      { event: 'message_start', data: '{"type":"message_start"}' },
      { event: 'ping', data: '{"type": "ping"}' },
    ]);
    expect(frames.rest).toBe('');
  });

  it('holds a partial frame until the read that completes it', () => {
    const frames = new SseFrames();
    const cut = 30;
    expect(frames.push(START + DELTA.slice(0, cut))?.text).toBe(START);
    expect(frames.rest).toBe(DELTA.slice(0, cut));
    expect(frames.push(DELTA.slice(cut, -1))).toBeUndefined();
    const last = frames.push('\n');
    expect(last?.text).toBe(DELTA);
    expect(last?.events[0]?.data).toContain('héllo');
  });

  it('reads CRLF and CR line ends (a CRLF split across reads too), joins multi-line data, skips comments', () => {
    const frames = new SseFrames();
    expect(frames.push(': keep-alive\r\n\r\nevent: a\r\ndata: 1\r\ndata:2\r')).toEqual({ events: [], text: ': keep-alive\n\n' });
    const chunk = frames.push('\n\revent: b\rdata: x\r\n\n');
    expect(chunk?.events).toEqual([
      { event: 'a', data: '1\n2' },
      { event: 'b', data: 'x' },
    ]);
    expect(frames.rest).toBe('');
  });
});

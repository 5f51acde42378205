// The SSE splitters of the gateway's first-party path: complete frames per read, relayed as received, their events
// parsed (all of them, or only the kinds asked for).
import { describe, expect, it } from 'vitest';
import { SseByteFrames, SseFrames } from '../../src/engine/model/sse-frames.js';

const START = 'event: message_start\ndata: {"type":"message_start"}\n\n';
const PING = 'event: ping\ndata: {"type": "ping"}\n\n';
const DELTA = 'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"text":"héllo"}}\n\n';
const STOP = 'event: message_stop\ndata: {"type":"message_stop"}\n\n';

const bytes = (s: string) => Buffer.from(s, 'utf8');
const rawText = (raw: Buffer | string | undefined) => (raw === undefined ? undefined : raw.toString());

describe('SseFrames (text)', () => {
  it('returns the complete frames of each read together, as text and as events', () => {
    const frames = new SseFrames();
    const chunk = frames.push(START + PING);
    expect(chunk?.raw).toBe(START + PING);
    expect(chunk?.events).toEqual([
      { event: 'message_start', data: '{"type":"message_start"}' },
      { event: 'ping', data: '{"type": "ping"}' },
    ]);
    expect(chunk?.only(new Set(['ping']))).toEqual([{ event: 'ping', data: '{"type": "ping"}' }]);
    expect(frames.rest).toBe('');
  });

  it('holds a partial frame until the read that completes it', () => {
    const frames = new SseFrames();
    const cut = 30;
    expect(frames.push(START + DELTA.slice(0, cut))?.raw).toBe(START);
    expect(frames.rest).toBe(DELTA.slice(0, cut));
    expect(frames.push(DELTA.slice(cut, -1))).toBeUndefined();
    const last = frames.push('\n');
    expect(last?.raw).toBe(DELTA);
    expect(last?.events[0]?.data).toContain('héllo');
  });

  it('reads CRLF and CR line ends (a CRLF split across reads too), joins multi-line data, skips comments', () => {
    const frames = new SseFrames();
    const first = frames.push(': keep-alive\r\n\r\nevent: a\r\ndata: 1\r\ndata:2\r');
    expect(first?.raw).toBe(': keep-alive\n\n');
    expect(first?.events).toEqual([]);
    const chunk = frames.push('\n\revent: b\rdata: x\r\n\n');
    expect(chunk?.events).toEqual([
      { event: 'a', data: '1\n2' },
      { event: 'b', data: 'x' },
    ]);
    expect(frames.rest).toBe('');
  });
});

describe('SseByteFrames (bytes, as the first-party path reads them)', () => {
  it('relays the complete frames of a read as the same bytes and names only the kinds asked for', () => {
    const frames = new SseByteFrames();
    const read = bytes(START + DELTA + PING + STOP);
    const chunk = frames.push(read)!;
    expect(chunk.raw).toBe(read); // the read itself: nothing copied or re-encoded
    expect(chunk.only(new Set(['message_start', 'message_stop']))).toEqual([
      { event: 'message_start', data: '{"type":"message_start"}' },
      { event: 'message_stop', data: '{"type":"message_stop"}' },
    ]);
    expect(chunk.events.map((e) => e.event)).toEqual(['message_start', 'content_block_delta', 'ping', 'message_stop']);
    expect(chunk.events[1]!.data).toContain('héllo');
    expect(frames.rest).toBe('');
  });

  it('holds a partial frame, also one cut inside a multi-byte character, until the read that completes it', () => {
    const frames = new SseByteFrames();
    const all = bytes(START + DELTA);
    const cut = all.indexOf(bytes('é')) + 1; // between the two bytes of é
    expect(rawText(frames.push(all.subarray(0, cut))?.raw)).toBe(START);
    expect(frames.push(all.subarray(cut, all.length - 1))).toBeUndefined();
    const last = frames.push(all.subarray(all.length - 1))!;
    expect(rawText(last.raw)).toBe(DELTA);
    expect(last.only(new Set(['content_block_delta']))[0]!.data).toContain('héllo');
  });

  it('parses a frame whose first line is not its event name (data first, a comment, an id) before naming it', () => {
    const frames = new SseByteFrames();
    const odd = 'data: {"n":1}\nevent: message_delta\n\n: comment\nevent: message_stop\ndata: {}\n\nid: 7\nevent: ping\ndata: {}\n\n';
    const chunk = frames.push(bytes(odd))!;
    expect(chunk.only(new Set(['message_delta', 'message_stop']))).toEqual([
      { event: 'message_delta', data: '{"n":1}' },
      { event: 'message_stop', data: '{}' },
    ]);
    expect(chunk.only(new Set(['ping']))).toEqual([{ event: 'ping', data: '{}' }]);
  });

  it('handles a stream with CR line ends as text from its first CR on', () => {
    const frames = new SseByteFrames();
    expect(rawText(frames.push(bytes(START))?.raw)).toBe(START);
    const first = frames.push(bytes('event: a\r\ndata: 1\r'))!;
    expect(first).toBeUndefined();
    const chunk = frames.push(bytes('\n\r\nevent: b\rdata: é\r\r'))!;
    expect(chunk.events).toEqual([{ event: 'a', data: '1' }]);
    expect(frames.rest).toBe('event: b\ndata: é\n\r');
    expect(frames.push(bytes('\n'))!.only(new Set(['b']))).toEqual([{ event: 'b', data: 'é' }]);
  });
});

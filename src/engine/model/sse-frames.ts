// Splits a provider's server-sent event stream into complete frames as bytes arrive, keeping each read's complete
// frames together (relayed in one write, as received) and naming their events (what the gateway observes). A relay
// of 100 streams handles thousands of reads a second, nearly all of them one content delta that it only passes on:
// the frames stay bytes, and an event is decoded only when its name is one the reader asked for.
import { StringDecoder } from 'node:string_decoder';
import type { ProviderChunk, ProviderEvent } from './model-client.js';

/** Reads a frame's `event:` and `data:` fields (the SSE spec's parsing, minus `id:`/`retry:`, which carry nothing here). */
export function parseFrame(frame: string): ProviderEvent | undefined {
  let event: string | undefined;
  let data: string | undefined;
  for (const line of frame.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data = data === undefined ? value : `${data}\n${value}`;
  }
  // The provider names every event; a nameless frame (a comment, a keep-alive) carries nothing to observe.
  return event === undefined ? undefined : { event, data: data ?? '' };
}

function parseFrames(complete: string): ProviderEvent[] {
  const events: ProviderEvent[] = [];
  for (const frame of complete.split('\n\n')) {
    if (frame === '') continue;
    const e = parseFrame(frame);
    if (e) events.push(e);
  }
  return events;
}

/** A read's frames already parsed from text (text sources, and streams with CR line ends). */
export function textChunk(events: ProviderEvent[], text: string): ProviderChunk {
  return { raw: text, events, only: (names) => events.filter((e) => names.has(e.event)) };
}

/** Feed it decoded text as it arrives; each call returns the complete frames received so far (or nothing). */
export class SseFrames {
  private pending = '';

  push(text: string): ProviderChunk | undefined {
    let buffered = this.pending + text;
    // CR and CRLF line ends are legal SSE; the first-party API sends LF, so this copy is rare. A CR at the very end
    // waits for the next read (it may be the first half of a CRLF).
    let heldCr = '';
    if (buffered.includes('\r')) {
      if (buffered.endsWith('\r')) [buffered, heldCr] = [buffered.slice(0, -1), '\r'];
      buffered = buffered.replace(/\r\n?/g, '\n');
    }
    const end = buffered.lastIndexOf('\n\n');
    if (end < 0) {
      this.pending = buffered + heldCr;
      return undefined;
    }
    const complete = buffered.slice(0, end + 2);
    this.pending = buffered.slice(end + 2) + heldCr;
    return textChunk(parseFrames(complete), complete);
  }

  /** What arrived after the last complete frame (an interrupted stream's tail; empty after a clean end). */
  get rest(): string {
    return this.pending;
  }
}

const LF = 0x0a;
const CR = 0x0d;
const FRAME_END = Buffer.from('\n\n');
const EVENT_FIELD = Buffer.from('event:');

/**
 * Where the name of the frame at [start, stop) begins, when its first line is its `event:` field (as every provider
 * writes it); -1 when the frame must be parsed to know.
 */
function leadingNameStart(raw: Buffer, start: number, stop: number): number {
  if (stop - start < EVENT_FIELD.length || raw.compare(EVENT_FIELD, 0, EVENT_FIELD.length, start, start + EVENT_FIELD.length) !== 0) return -1;
  const from = start + EVENT_FIELD.length;
  return raw[from] === 0x20 ? from + 1 : from;
}

/** Each name set's names as bytes, compared in place with a frame's name (a delta is skipped without decoding). */
const encodedNames = new WeakMap<ReadonlySet<string>, Buffer[]>();

function encoded(names: ReadonlySet<string>): Buffer[] {
  let bytes = encodedNames.get(names);
  if (!bytes) encodedNames.set(names, (bytes = [...names].map((n) => Buffer.from(n))));
  return bytes;
}

/** Whether the name at [from, lineEnd-or-stop) is one of `names`. */
function isNamed(raw: Buffer, from: number, stop: number, names: readonly Buffer[]): boolean {
  const lineEnd = raw.indexOf(LF, from);
  const to = lineEnd < 0 || lineEnd > stop ? stop : lineEnd;
  for (const name of names) if (name.length === to - from && raw.compare(name, 0, name.length, from, to) === 0) return true;
  return false;
}

/** What `only` returns for the usual read (one delta): shared, never written to. */
const NONE: readonly ProviderEvent[] = [];

/** Complete frames as received; parsed on demand. */
class ByteChunk implements ProviderChunk {
  private parsed: ProviderEvent[] | undefined;

  constructor(readonly raw: Buffer) {}

  get events(): ProviderEvent[] {
    return (this.parsed ??= parseFrames(this.raw.toString('utf8')));
  }

  only(names: ReadonlySet<string>): readonly ProviderEvent[] {
    if (this.parsed) return this.parsed.filter((e) => names.has(e.event));
    const { raw } = this;
    const wanted = encoded(names);
    let out: ProviderEvent[] | undefined;
    for (let start = 0; start < raw.length; ) {
      const end = raw.indexOf(FRAME_END, start);
      const stop = end < 0 ? raw.length : end;
      const nameStart = leadingNameStart(raw, start, stop);
      if (nameStart < 0 || isNamed(raw, nameStart, stop, wanted)) {
        const e = parseFrame(raw.toString('utf8', start, stop));
        if (e && names.has(e.event)) (out ??= []).push(e);
      }
      start = stop + 2;
    }
    return out ?? NONE;
  }
}

/**
 * Feed it the bytes of each read; each call returns the complete frames received so far (or nothing). Frames are
 * split at LF LF, which never falls inside a UTF-8 character. A stream that uses CR line ends (legal, never seen from
 * the first-party API) is decoded and handled as text from its first CR on.
 */
export class SseByteFrames {
  private pending: Buffer | undefined;
  private asText: { decoder: StringDecoder; frames: SseFrames } | undefined;

  push(bytes: Buffer): ProviderChunk | undefined {
    if (this.asText) return this.asText.frames.push(this.asText.decoder.write(bytes));
    const buffered = this.pending ? Buffer.concat([this.pending, bytes]) : bytes;
    this.pending = undefined;
    if (buffered.includes(CR)) {
      this.asText = { decoder: new StringDecoder('utf8'), frames: new SseFrames() };
      return this.asText.frames.push(this.asText.decoder.write(buffered));
    }
    const end = buffered.lastIndexOf(FRAME_END);
    if (end < 0) {
      this.pending = buffered;
      return undefined;
    }
    if (end + 2 < buffered.length) this.pending = buffered.subarray(end + 2);
    return new ByteChunk(end + 2 === buffered.length ? buffered : buffered.subarray(0, end + 2));
  }

  /** What arrived after the last complete frame (an interrupted stream's tail; empty after a clean end). */
  get rest(): string {
    if (this.asText) return this.asText.frames.rest + this.asText.decoder.end();
    return this.pending?.toString('utf8') ?? '';
  }
}

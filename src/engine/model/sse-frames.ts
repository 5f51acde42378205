// Splits a provider's server-sent event stream into complete frames as bytes arrive, keeping each read's complete
// frames together as text (relayed in one write) and naming their events (what the gateway observes).
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
    const events: ProviderEvent[] = [];
    for (const frame of complete.split('\n\n')) {
      if (frame === '') continue;
      const e = parseFrame(frame);
      if (e) events.push(e);
    }
    return { events, text: complete };
  }

  /** What arrived after the last complete frame (an interrupted stream's tail; empty after a clean end). */
  get rest(): string {
    return this.pending;
  }
}

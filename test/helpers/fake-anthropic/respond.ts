// Writing answers: JSON bodies and SSE streams that stop cleanly when the client leaves.
import type { ServerResponse } from 'node:http';
import type { WireEvent } from './wire-types.js';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...headers });
  res.end(payload);
}

/** `closed` resolves once the response is over; `gone` says the client left before it was finished. */
export interface CloseWatch {
  readonly gone: boolean;
  readonly closed: Promise<void>;
}

export function watchClose(res: ServerResponse): CloseWatch {
  const state = { gone: false, closed: Promise.resolve() };
  state.closed = new Promise<void>((resolve) => {
    res.once('close', () => {
      if (!res.writableFinished) state.gone = true;
      resolve();
    });
  });
  return state;
}

const frame = (e: WireEvent): string => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`;

/**
 * Streams `events` as SSE frames, pausing `delayMs` between frames. Stops writing as soon as the client
 * disconnects and reports whether the stream was delivered in full.
 */
export async function streamEvents(
  res: ServerResponse,
  events: readonly WireEvent[],
  delayMs: number,
  requestId: string,
  watch: CloseWatch,
  /** `end: false` leaves the response open after the events (the caller breaks it off). */
  opts: { end?: boolean } = {},
): Promise<'completed' | 'client_disconnected'> {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'request-id': requestId,
  });
  res.flushHeaders();
  for (const [i, event] of events.entries()) {
    if (i > 0 && delayMs > 0) await Promise.race([watch.closed, sleep(delayMs)]);
    if (watch.gone || res.destroyed) return 'client_disconnected';
    if (!res.write(frame(event))) await Promise.race([watch.closed, new Promise((r) => res.once('drain', r))]);
  }
  if (watch.gone || res.destroyed) return 'client_disconnected';
  if (opts.end !== false) res.end();
  return 'completed';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

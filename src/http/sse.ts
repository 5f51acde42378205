// Server-Sent Events: frames carry `id:` (log sequence), `event:` (event type) and `data:` JSON.
import type { ServerResponse } from 'node:http';

/** `id` is omitted for frames that are not log entries (they must not move a resume cursor). */
export function sseFrame(id: number | undefined, event: string, data: unknown): string {
  return `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The SDK skips `ping` frames; they keep idle connections (and proxies) alive. */
export const PING_FRAME = 'event: ping\ndata: {"type":"ping"}\n\n';

/**
 * A frame's bytes, encoded once for every stream that sends it: `chunk` is the frame as one HTTP/1.1
 * chunk (size line, bytes, CRLF), what a chunked response puts on the wire; `body` the frame alone
 * (a view into `chunk`), for a response without chunked encoding.
 */
export interface EncodedFrame {
  readonly chunk: Buffer;
  readonly body: Buffer;
}

export function encodeFrame(frame: string): EncodedFrame {
  const length = Buffer.byteLength(frame);
  const head = `${length.toString(16)}\r\n`;
  const chunk = Buffer.allocUnsafe(head.length + length + 2);
  chunk.write(head, 0, 'latin1');
  chunk.write(frame, head.length, 'utf8');
  chunk.write('\r\n', head.length + length, 'latin1');
  return { chunk, body: chunk.subarray(head.length, head.length + length) };
}

export function openSseResponse(res: ServerResponse, requestId: string, extraHeaders: Record<string, string> = {}): void {
  res.writeHead(200, {
    ...extraHeaders,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
    'request-id': requestId,
  });
  res.flushHeaders();
}

/**
 * Writes and waits for the socket to drain when the client reads slower than we produce; a client
 * that takes nothing for `stallMs` (AGENTD_SSE_STALL_MS) is disconnected rather than waited for.
 */
export function writeWithBackpressure(res: ServerResponse, chunk: string | Buffer, stallMs: number): Promise<void> | undefined {
  // Nothing to wait for (the usual case): no promise either.
  if (res.write(chunk)) return undefined;
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(() => {
      res.destroy();
      done();
    }, stallMs);
    timer.unref();
    res.on('drain', done);
    res.on('close', done);
  });
}

// Server-Sent Events: frames carry `id:` (log sequence), `event:` (event type) and `data:` JSON.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

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
  const { chunk, head } = chunkOf(frame);
  return { chunk, body: chunk.subarray(head, chunk.length - 2) };
}

/** `bytes` as one HTTP/1.1 chunk (its size line, the bytes, CRLF) in one buffer. */
export const httpChunk = (bytes: string | Buffer): Buffer => chunkOf(bytes).chunk;

/** The chunk, and the length of its size line (where the bytes start). */
function chunkOf(bytes: string | Buffer): { chunk: Buffer; head: number } {
  const length = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length;
  const head = `${length.toString(16)}\r\n`;
  const chunk = Buffer.allocUnsafe(head.length + length + 2);
  chunk.write(head, 0, 'latin1');
  if (typeof bytes === 'string') chunk.write(bytes, head.length, 'utf8');
  else bytes.copy(chunk, head.length);
  chunk.write('\r\n', head.length + length, 'latin1');
  return { chunk, head: head.length };
}

/**
 * The socket a response's body can be written to directly (as ready-made chunks when `res.chunkedEncoding`): when
 * its headers are on it and nothing of the response waits in front; else undefined, write through the response.
 * ServerResponse.write corks the socket, uncorks a tick later and queues three buffers per chunk: several
 * allocations per write, where a stream makes one write per event (or per read from a provider).
 */
export function directSocket(res: ServerResponse): Socket | undefined {
  const socket = res.socket;
  // writableLength is the response's own queue plus the socket's: equal when nothing of the response waits.
  return socket && res.headersSent && !res.writableEnded && res.writableLength === socket.writableLength ? socket : undefined;
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
  const socket = directSocket(res);
  // Nothing to wait for (the usual case): no promise either.
  if (socket ? socket.write(res.chunkedEncoding ? httpChunk(chunk) : chunk) : res.write(chunk)) return undefined;
  // The one that queued the bytes says when they are gone.
  const drains = socket ?? res;
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      drains.off('drain', done);
      res.off('close', done);
      resolve();
    };
    const timer = setTimeout(() => {
      res.destroy();
      done();
    }, stallMs);
    timer.unref();
    drains.on('drain', done);
    res.on('close', done);
  });
}

// A minimal SSE reader for /v1/sessions/:id/events/stream that timestamps each frame on arrival
// (before any parsing), so receipt times are not inflated by client-side work.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface Frame {
  /** The SSE `event:` name (the session event type). */
  type: string;
  /** The raw `data:` JSON text; parse only what you need. */
  data: string;
  /** performance.now() when the chunk carrying the frame's end arrived. */
  at: number;
}

export interface SessionStream {
  /** Resolves once the response headers arrived (the server is following the log). */
  ready: Promise<void>;
  /** Resolves when the stream ends or fails. */
  ended: Promise<void>;
  close(): void;
}

const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

export function openStream(
  baseUrl: string,
  apiKey: string,
  sessionId: string,
  onFrame: (f: Frame) => void,
  opts: { onError?: (err: Error) => void } = {},
): SessionStream {
  const u = new URL(baseUrl);
  let buffer = '';
  let closed = false;
  let resolveReady!: () => void;
  let rejectReady!: (e: Error) => void;
  let resolveEnded!: () => void;
  const ready = new Promise<void>((res, rej) => {
    resolveReady = res;
    rejectReady = rej;
  });
  const ended = new Promise<void>((res) => (resolveEnded = res));
  ready.catch(() => {});

  const req = http.request(
    {
      host: u.hostname,
      port: Number(u.port),
      path: `/v1/sessions/${sessionId}/events/stream`,
      headers: { 'x-api-key': apiKey, 'anthropic-version': '2023-06-01', accept: 'text/event-stream' },
      agent,
    },
    (res) => {
      if (res.statusCode !== 200) {
        rejectReady(new Error(`stream ${sessionId}: HTTP ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      resolveReady();
      res.on('data', (chunk: string) => {
        const at = performance.now();
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const raw = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let type = 'message';
          let data = '';
          for (const line of raw.split('\n')) {
            if (line.startsWith('event: ')) type = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (type !== 'ping') onFrame({ type, data, at });
        }
      });
      res.on('end', () => resolveEnded());
      res.on('error', (err) => {
        if (!closed) opts.onError?.(err);
        resolveEnded();
      });
    },
  );
  req.on('error', (err) => {
    rejectReady(err);
    if (!closed) opts.onError?.(err);
    resolveEnded();
  });
  req.end();
  return {
    ready,
    ended,
    close: () => {
      closed = true;
      req.destroy();
      resolveEnded();
    },
  };
}

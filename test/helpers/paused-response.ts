// A client that stops reading: the request is made, its response paused (nothing taken from the socket) until
// `resume()`, which then collects what the connection still delivers up to its end. For tests of how the server
// treats a stalled reader (event streams, the gateway's streamed relay).
import http from 'node:http';

export interface PausedResponse {
  /** Resolves once the response's headers are in. */
  opened: Promise<void>;
  status(): number | undefined;
  /** Reads again; `ended` is false if the connection was still open after `timeoutMs` (it is destroyed then). */
  resume(timeoutMs?: number): Promise<{ ended: boolean; text: string }>;
}

export function pausedResponse(url: string, options: http.RequestOptions, body?: string): PausedResponse {
  let text = '';
  let ended: () => void = () => {};
  const closed = new Promise<void>((resolve) => (ended = resolve));
  let response: http.IncomingMessage | undefined;
  const opened = new Promise<void>((resolve, reject) => {
    const req = http.request(url, { agent: false, ...options }, (res) => {
      response = res;
      res.pause();
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      for (const e of ['end', 'aborted', 'error', 'close']) res.on(e, ended);
      resolve();
    });
    req.on('error', reject);
    req.end(body);
  });
  return {
    opened,
    status: () => response?.statusCode,
    resume: async (timeoutMs = 15_000) => {
      response!.resume();
      const timedOut = await Promise.race([closed.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), timeoutMs))]);
      if (timedOut) response!.destroy();
      return { ended: !timedOut, text };
    },
  };
}

// A thin keep-alive JSON client for timed requests: less client work than the SDK between the
// timestamp and the bytes leaving, so latencies are mostly the server's.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface Timed<T> {
  status: number;
  body: T;
  /** performance.now() just before the request was written, and when the response ended. */
  sentAt: number;
  doneAt: number;
}

export class HttpClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  private readonly host: string;
  private readonly port: number;

  constructor(
    baseUrl: string,
    private readonly apiKey: string,
  ) {
    const u = new URL(baseUrl);
    this.host = u.hostname;
    this.port = Number(u.port);
  }

  /**
   * A keep-alive socket the server closed while idle fails the next request with ECONNRESET
   * before the server saw it; that one case is retried (Node's documented pattern). Any other
   * failure is the caller's error to count.
   */
  async request<T = any>(method: string, path: string, body?: unknown, timeoutMs = 60_000): Promise<Timed<T>> {
    try {
      return await this.once<T>(method, path, body, timeoutMs);
    } catch (err) {
      if ((err as { reusedSocket?: boolean }).reusedSocket && (err as NodeJS.ErrnoException).code === 'ECONNRESET') {
        return this.once<T>(method, path, body, timeoutMs);
      }
      throw err;
    }
  }

  private once<T>(method: string, path: string, body: unknown, timeoutMs: number): Promise<Timed<T>> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = { 'x-api-key': this.apiKey, 'anthropic-version': '2023-06-01' };
      if (payload !== undefined) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = Buffer.byteLength(payload);
      }
      const sentAt = performance.now();
      const req = http.request({ host: this.host, port: this.port, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const doneAt = performance.now();
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // keep the text
          }
          resolve({ status: res.statusCode ?? 0, body: parsed as T, sentAt, doneAt });
        });
        res.on('error', reject);
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
      req.on('error', (err) => {
        const e = err as NodeJS.ErrnoException & { reusedSocket?: boolean };
        e.reusedSocket = req.reusedSocket;
        if (!req.reusedSocket) e.message = `${e.message} (new connection)`;
        reject(e);
      });
      req.end(payload);
    });
  }

  /** Like `request`, but a non-2xx status is an error. */
  async ok<T = any>(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<Timed<T>> {
    const r = await this.request<T>(method, path, body, timeoutMs);
    if (r.status < 200 || r.status >= 300) {
      throw new Error(`${method} ${path} → ${r.status} ${typeof r.body === 'string' ? r.body : JSON.stringify(r.body)}`.slice(0, 500));
    }
    return r;
  }

  close(): void {
    this.agent.destroy();
  }
}

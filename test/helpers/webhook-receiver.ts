// A real webhook receiver on 127.0.0.1: records every delivery (raw body and headers) and answers
// with the status the test scripts (200 unless told otherwise).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  body: string;
  headers: Record<string, string>;
  /** The status the receiver answered. */
  status: number;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly deliveries: Delivery[];
  /** Decides the status of each delivery (called with the ones already received). */
  respond: (body: string, seen: readonly Delivery[]) => number;
  /** Resolves once `count` deliveries matching `match` arrived; rejects after `timeoutMs`. */
  waitFor(count: number, match?: (d: Delivery) => boolean, timeoutMs?: number): Promise<Delivery[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const deliveries: Delivery[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]));
      const status = receiver.respond(body, deliveries);
      deliveries.push({ body, headers, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${port}/hooks`,
    deliveries,
    respond: () => 200,
    async waitFor(count, match = () => true, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = deliveries.filter(match);
        if (found.length >= count) return found;
        if (Date.now() > deadline) throw new Error(`expected ${count} deliveries, got ${found.length} of ${deliveries.length}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return receiver;
}

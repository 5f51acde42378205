// One dedicated LISTEN connection per process: it hands notifications over as they arrive and,
// when the connection drops, reconnects with backoff and says so (the caller then catches up
// from the database, since NOTIFY is not queued for a listener that is not connected).
import pg from 'pg';
import type { SignalHandlers } from '../types.js';

const MIN_RETRY_MS = 100;
const MAX_RETRY_MS = 2_000;

export async function listenPostgres(
  url: string,
  channels: readonly string[],
  handlers: SignalHandlers,
): Promise<{ close(): Promise<void> }> {
  let closed = false;
  let client: pg.Client | undefined;
  let retryMs = MIN_RETRY_MS;
  let retryTimer: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000, keepAlive: true });
    c.on('notification', (n) => {
      if (n.payload !== undefined) handlers.onSignal(n.channel, n.payload);
    });
    let lost = false;
    const onLost = () => {
      if (lost || closed) return;
      lost = true;
      handlers.onDisconnected();
      c.end().catch(() => {});
      scheduleReconnect();
    };
    c.on('error', onLost);
    c.on('end', onLost);
    await c.connect();
    for (const ch of channels) await c.query(`LISTEN ${c.escapeIdentifier(ch)}`);
    client = c;
  };

  const scheduleReconnect = () => {
    client = undefined;
    if (closed) return;
    retryTimer = setTimeout(() => {
      connect().then(
        () => {
          retryMs = MIN_RETRY_MS;
          // Listening again before reporting: whatever the caller reads now, nothing after it is missed.
          handlers.onReconnected();
        },
        () => {
          retryMs = Math.min(MAX_RETRY_MS, retryMs * 2);
          scheduleReconnect();
        },
      );
    }, retryMs);
    retryTimer.unref();
  };

  await connect();
  return {
    close: async () => {
      closed = true;
      clearTimeout(retryTimer);
      await client?.end().catch(() => {});
    },
  };
}

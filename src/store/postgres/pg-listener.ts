// One dedicated LISTEN connection per process: it hands notifications over as they arrive and,
// when the connection drops, reconnects with backoff and says so (the caller then catches up
// from the database, since NOTIFY is not queued for a listener that is not connected). Besides its
// fixed channels it listens on channels added while it runs (the event bus's per-session ones).
import pg from 'pg';
import type { SignalHandlers, SignalListener } from '../types.js';

/** The listening connection's application_name. */
export const LISTENER_NAME = 'agentd listener';

const MIN_RETRY_MS = 100;
const MAX_RETRY_MS = 2_000;

/** How long a dedicated connection (the listening one, a start's check) waits for PostgreSQL to accept it. */
export const CONNECT_TIMEOUT_MS = 10_000;

/** A connection made to be the listening one (not connected yet): named, so an operator (and a test) can tell it in pg_stat_activity. */
export function listenerClient(url: string): pg.Client {
  return new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true, application_name: LISTENER_NAME });
}

/** `connected`: a connection from listenerClient already open (the start's reachability check), used first. */
export async function listenPostgres(
  url: string,
  channels: readonly string[],
  handlers: SignalHandlers,
  connected?: pg.Client,
): Promise<SignalListener> {
  let closed = false;
  /** Channels added while running: listened on again by every reconnect. */
  const added = new Set<string>();
  let client: pg.Client | undefined;
  let retryMs = MIN_RETRY_MS;
  let retryTimer: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    const c = connected ?? listenerClient(url);
    const open = connected !== undefined;
    connected = undefined;
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
    if (!open) await c.connect();
    // One round trip: a simple query may hold several statements.
    if (channels.length > 0) await c.query(channels.map((ch) => `LISTEN ${c.escapeIdentifier(ch)}`).join('; '));
    // Added while this runs: listened on too (a Set's iteration includes entries added during it); removed after its
    // LISTEN: dropped again here (remove found no connection to UNLISTEN on).
    const listened: string[] = [];
    for (const ch of added) {
      await c.query(`LISTEN ${c.escapeIdentifier(ch)}`);
      listened.push(ch);
    }
    for (const ch of listened) if (!added.has(ch)) await c.query(`UNLISTEN ${c.escapeIdentifier(ch)}`);
    client = c;
  };

  /**
   * LISTEN or UNLISTEN on the connection as it is now. Issued at once (no await before the query), so a channel
   * added and removed in quick succession ends in the state of the last call. A connection lost meanwhile is the
   * reconnect's to settle: it listens on `added` and reports onReconnected.
   */
  const command = async (verb: 'LISTEN' | 'UNLISTEN', channel: string): Promise<void> => {
    const c = client;
    if (!c) return;
    await c.query(`${verb} ${c.escapeIdentifier(channel)}`).catch(() => {});
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
    add: (channel) => {
      added.add(channel);
      return command('LISTEN', channel);
    },
    remove: (channel) => {
      added.delete(channel);
      return command('UNLISTEN', channel);
    },
    close: async () => {
      closed = true;
      clearTimeout(retryTimer);
      await client?.end().catch(() => {});
    },
  };
}

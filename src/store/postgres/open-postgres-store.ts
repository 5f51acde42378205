// The scale-out store: PostgreSQL via node-postgres.
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Store } from '../types.js';
import type { Database } from '../kysely/schema.js';
import { kyselyStore, migrateToLatest, type SignalListen, type TableExists } from '../kysely/kysely-store.js';
import { CONNECT_TIMEOUT_MS, listenerClient, listenPostgres } from './pg-listener.js';
import { nameRepeatedStatements } from './named-statements.js';
import { createFreshSchema } from './fresh-schema.js';
import { DatabaseBlobStore } from '../kysely/database-blob-store.js';

const ABANDONED_STAGING_MS = 24 * 3600 * 1000;

/**
 * `listenerConnection`: an open connection from `connectPostgres`, kept to be the event bus's listening one (one
 * connection less to make on the start); closed with the store if nothing listens.
 */
export async function openPostgresStore(url: string, listenerConnection?: pg.Client): Promise<Store> {
  let spare = listenerConnection;
  /** The kept connection, once: to the event bus's first listen, or closed. */
  const takeSpare = () => {
    const c = spare;
    spare = undefined;
    return c;
  };
  const endSpare = async () => {
    await takeSpare()?.end().catch(() => {});
  };
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle connection the server drops (restart, failover, pg_terminate_backend) surfaces as a
  // pool 'error' event, which would crash the process unhandled. The pool has already discarded
  // that client and the next query opens a fresh one, so there is nothing else to do.
  pool.on('error', () => {});
  // The pool listens only while a client is idle: one dropped while checked out (a transaction in flight) emits an
  // unhandled 'error' that crashed the process. Its query fails with the error anyway; the pool discards it on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  nameRepeatedStatements(pool);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  // File bytes live in the database too: any replica serves any file (docs/scaling.md). Chunks
  // staged more than a day ago belong to a write whose process died (no upload takes that long).
  const blobs = new DatabaseBlobStore(db);
  try {
    await migrateToLatest(db, tableExists, createFreshSchema);
    await blobs.sweepAbandoned(new Date(Date.now() - ABANDONED_STAGING_MS).toISOString());
  } catch (err) {
    await endSpare();
    await db.destroy();
    throw err;
  }
  const listen: SignalListen = (channels, handlers) => listenPostgres(url, channels, handlers, takeSpare());
  const close = async () => {
    await endSpare();
    await db.destroy();
  };
  return kyselyStore(db, 'postgres', close, listen, blobs);
}

const tableExists: TableExists = async (db, name) => {
  const { rows } = await sql<{ found: boolean }>`select to_regclass(${name}) is not null as found`.execute(db);
  return rows[0]?.found === true;
};

/**
 * Connects once, apart from the pool (whose timeouts would also bound waits under load): the open connection, by
 * default made to be the listening one (see openPostgresStore), or why it could not be made.
 */
export async function connectPostgres(url: string, client = listenerClient(url)): Promise<{ client: pg.Client } | { problem: string }> {
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return { client };
  } catch (err) {
    await client.end().catch(() => {});
    const e = err as NodeJS.ErrnoException;
    return { problem: [e.code, e.message].filter(Boolean).join(' ') || String(err) };
  }
}

/** Whether PostgreSQL answers at `url` (`agentd doctor`): why not, or undefined. */
export async function checkPostgresReachable(url: string): Promise<string | undefined> {
  const connected = await connectPostgres(url, new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS }));
  if ('problem' in connected) return connected.problem;
  await connected.client.end().catch(() => {});
  return undefined;
}

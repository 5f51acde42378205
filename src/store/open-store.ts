// Picks the dialect from configuration (databaseTarget) and opens it, turning a driver that will not
// load or a database that cannot be reached into a start error that says what to fix.
import fs from 'node:fs';
import path from 'node:path';
import { databaseTarget, redactDatabaseUrl } from '../config/config.js';
import type { Store } from './types.js';

const SQLITE_DRIVER_FIX =
  'It is a native module: install a C++ toolchain (Debian/Ubuntu: build-essential python3) and run `npm rebuild better-sqlite3`.';

const isDriverLoadError = (err: unknown) =>
  /bindings file|better_sqlite3\.node|NODE_MODULE_VERSION|ERR_DLOPEN_FAILED/.test(`${(err as NodeJS.ErrnoException).code} ${(err as Error).message}`);

/** The nearest directory that exists on the way to `file`: where SQLite would create it. */
function existingParent(file: string): string {
  let dir = path.dirname(path.resolve(file));
  while (!fs.existsSync(dir)) dir = path.dirname(dir);
  return dir;
}

/**
 * Whether the configured database can be used, without creating or migrating anything (`agentd
 * doctor`): PostgreSQL answers a query; the SQLite driver loads and the file's directory is writable.
 */
export async function databaseProblem(opts: { databaseUrl: string | undefined; dataDir: string }): Promise<string | undefined> {
  const target = databaseTarget(opts.databaseUrl, opts.dataDir);
  if (target.dialect === 'postgres') {
    const { checkPostgresReachable } = await import('./postgres/open-postgres-store.js');
    const unreachable = await checkPostgresReachable(target.url);
    return unreachable && `cannot connect to ${redactDatabaseUrl(target.url)}: ${unreachable}. Check that the server is running and the URL (host, port, user, database) is right.`;
  }
  try {
    const { checkSqliteDriver } = await import('./sqlite/open-sqlite-store.js');
    checkSqliteDriver();
  } catch (err) {
    if (!isDriverLoadError(err)) throw err;
    return `the SQLite driver (better-sqlite3) did not load: ${(err as Error).message.split('\n')[0]}. ${SQLITE_DRIVER_FIX}`;
  }
  const dir = fs.existsSync(target.file) ? path.dirname(target.file) : existingParent(target.file);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    return `${dir} is not writable: the SQLite database ${target.file} cannot be created or written there (choose another --data-dir)`;
  }
  return undefined;
}

export async function openStore(opts: { databaseUrl: string | undefined; dataDir: string }): Promise<Store> {
  const target = databaseTarget(opts.databaseUrl, opts.dataDir);
  if (target.dialect === 'postgres') {
    const { openPostgresStore, connectPostgres } = await import('./postgres/open-postgres-store.js');
    const connected = await connectPostgres(target.url);
    if ('problem' in connected) {
      throw new Error(
        `cannot connect to the PostgreSQL database ${redactDatabaseUrl(target.url)}: ${connected.problem}. ` +
          'Check that the server is running and the URL (host, port, user, database) is right.',
      );
    }
    // The check's connection goes on as the event bus's listening one.
    return openPostgresStore(target.url, connected.client);
  }
  try {
    const { openSqliteStore } = await import('./sqlite/open-sqlite-store.js');
    return await openSqliteStore(target.file);
  } catch (err) {
    // The driver is a native module: its binary is missing (never built) or built for another Node.
    if (!isDriverLoadError(err)) throw err;
    throw new Error(`the SQLite driver (better-sqlite3) did not load: ${(err as Error).message.split('\n')[0]}. ${SQLITE_DRIVER_FIX}`);
  }
}

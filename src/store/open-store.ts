// Picks the dialect from configuration (databaseTarget) and opens it, turning a driver that will not
// load or a database that cannot be reached into a start error that says what to fix.
import { databaseTarget, redactDatabaseUrl } from '../config/config.js';
import type { Store } from './types.js';

export async function openStore(opts: { databaseUrl: string | undefined; dataDir: string }): Promise<Store> {
  const target = databaseTarget(opts.databaseUrl, opts.dataDir);
  if (target.dialect === 'postgres') {
    const { openPostgresStore, checkPostgresReachable } = await import('./postgres/open-postgres-store.js');
    const unreachable = await checkPostgresReachable(target.url);
    if (unreachable) {
      throw new Error(
        `cannot connect to the PostgreSQL database ${redactDatabaseUrl(target.url)}: ${unreachable}. ` +
          'Check that the server is running and the URL (host, port, user, database) is right.',
      );
    }
    return openPostgresStore(target.url);
  }
  try {
    const { openSqliteStore } = await import('./sqlite/open-sqlite-store.js');
    return await openSqliteStore(target.file);
  } catch (err) {
    // The driver is a native module: its binary is missing (never built) or built for another Node.
    if (!/bindings file|better_sqlite3\.node|NODE_MODULE_VERSION|ERR_DLOPEN_FAILED/.test(`${(err as NodeJS.ErrnoException).code} ${(err as Error).message}`)) throw err;
    throw new Error(
      `the SQLite driver (better-sqlite3) did not load: ${(err as Error).message.split('\n')[0]}. ` +
        'It is a native module: install a C++ toolchain (Debian/Ubuntu: build-essential python3) and run `npm rebuild better-sqlite3`.',
    );
  }
}

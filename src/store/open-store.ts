// Picks the dialect from configuration: a postgres:// URL, else SQLite in the data dir.
import path from 'node:path';
import { isPostgresUrl } from '../config/config.js';
import type { Store } from './types.js';

export async function openStore(opts: { databaseUrl: string | undefined; dataDir: string }): Promise<Store> {
  if (isPostgresUrl(opts.databaseUrl)) {
    const { openPostgresStore } = await import('./postgres/open-postgres-store.js');
    return openPostgresStore(opts.databaseUrl);
  }
  const { openSqliteStore } = await import('./sqlite/open-sqlite-store.js');
  return openSqliteStore(opts.databaseUrl ?? path.join(opts.dataDir, 'agentd.db'));
}

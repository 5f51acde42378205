// Suites that run against the store itself on each dialect of the run: a fresh store per call, on a real database
// (a temporary SQLite file, or a new PostgreSQL database next to AGENTD_TEST_DATABASE_URL's), and its removal.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/open-postgres-store.js';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { createPostgresDatabase, dialects, type Dialect } from './databases.js';

export interface TestStore {
  store: Store;
  /** Removes the data; call after closing the store. */
  cleanup: () => Promise<void>;
}

export async function openTestStore(dialect: Dialect): Promise<TestStore> {
  if (dialect === 'postgres') {
    const db = await createPostgresDatabase();
    return { store: await openPostgresStore(db.url), cleanup: () => db.drop() };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-store-'));
  return { store: await openSqliteStore(path.join(dir, 'agentd.db')), cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** `suite` described once per dialect of the run as `name (dialect)`, given a way to open fresh stores. */
export function describeOnStores(name: string, suite: (open: () => Promise<TestStore>) => void): void {
  for (const dialect of dialects()) describe(`${name} (${dialect})`, () => suite(() => openTestStore(dialect)));
}

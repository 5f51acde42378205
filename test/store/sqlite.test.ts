// Runs the store conformance suite against SQLite on a real temporary file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.js';
import { describeStoreConformance } from './conformance.js';

describeStoreConformance('sqlite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-store-'));
  const file = path.join(dir, 'agentd.db');
  return {
    store: await openSqliteStore(file),
    reopen: () => openSqliteStore(file),
    cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
});

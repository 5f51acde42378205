// The test server's own blob store (the database's on PostgreSQL, its data dir's on SQLite), for
// tests that reach past the API: losing a file's bytes, copying them as a use case would.
import path from 'node:path';
import { DiskBlobStore, type BlobStore } from '../../src/store/blob-store.js';
import type { TestServer } from './server.js';

export function serverBlobs(t: TestServer): BlobStore {
  return t.server.store.blobs ?? new DiskBlobStore(path.join(t.dataDir, 'files'));
}

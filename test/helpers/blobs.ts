// The test server's own blob store (its bucket with AGENTD_BLOB_URL, the database's on PostgreSQL,
// its data dir's on SQLite), for tests that reach past the API: losing a file's bytes, copying them
// as a use case would.
import type { BlobStore } from '../../src/store/blob-store.js';
import type { TestServer } from './server.js';

export function serverBlobs(t: TestServer): BlobStore {
  return t.server.blobs;
}

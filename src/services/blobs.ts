// Which blob store a server writes file bytes to. AGENTD_BLOB_URL=s3://… : the bucket, checked
// reachable before the server starts. Otherwise the database's own store where it has one
// (PostgreSQL), else the files dir (SQLite). Bytes an earlier configuration left behind (the files
// dir, the database) stay readable, copyable and removable; new bytes go to the chosen store only.
import type { Config } from '../config/config.js';
import { DiskBlobStore, type BlobStore } from '../store/blob-store.js';
import { FallbackBlobStore } from '../store/fallback-blob-store.js';
import type { S3BlobStore } from '../store/s3-blob-store.js';
import type { Store } from '../store/types.js';

export interface OpenedBlobs {
  blobs: BlobStore;
  /** The bucket, when file bytes go to one (readiness checks it; closed with the server). */
  bucket: S3BlobStore | undefined;
}

export async function openBlobs(config: Config, store: Store): Promise<OpenedBlobs> {
  const files = new DiskBlobStore(config.filesDir);
  const own = store.blobs ? new FallbackBlobStore(store.blobs, files) : files;
  if (config.blobs.kind === 'default') return { blobs: own, bucket: undefined };
  // Imported here: the AWS SDK (~1.3 MB of modules) loads only when a bucket is configured.
  const { openS3BlobStore } = await import('../store/s3-blob-store.js');
  const bucket = await openS3BlobStore(config.blobs);
  return { blobs: new FallbackBlobStore(bucket, own), bucket };
}

// File bytes in an S3-compatible bucket (AGENTD_BLOB_URL=s3://bucket/prefix), shared by every
// replica on either dialect. An object appears whole or not at all (PutObject, or
// CompleteMultipartUpload for a large one), so a reader never sees half a blob and a refused or
// failed write leaves nothing (its parts are aborted). Bytes stream both ways: a write holds at most
// PART_QUEUE parts of PART_BYTES in memory, a read is the GetObject response body.
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { BlobTarget } from '../config/blob-target.js';
import { BlobTooLargeError, checkBlobKey, missingBlob, readOnFirstPull, type BlobStore } from './blob-store.js';

/** Above S3's 5 MiB minimum; a smaller blob goes up in one PutObject. */
export const PART_BYTES = 8 * 1024 * 1024;
const PART_QUEUE = 2;
const START_CHECK_MS = 15_000;

type S3Target = Extract<BlobTarget, { kind: 's3' }>;

export class S3BlobStore implements BlobStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {}

  /** The object key of a blob (its id under the configured prefix). */
  objectKey(key: string): string {
    checkBlobKey(key);
    return this.prefix + key;
  }

  async write(key: string, source: Readable, maxBytes: number): Promise<number> {
    const objectKey = this.objectKey(key);
    let size = 0;
    // The source's own error or the size refusal: what the caller hears, not the upload's echo of it.
    let failure: unknown;
    const body = Readable.from(
      (async function* () {
        try {
          // Leaving the loop by a throw destroys `source`.
          for await (const chunk of source) {
            const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array | string);
            size += buf.length;
            if (size > maxBytes) throw new BlobTooLargeError(`file exceeds ${maxBytes} bytes`);
            yield buf;
          }
        } catch (err) {
          failure = err;
          throw err;
        }
      })(),
      { objectMode: false },
    );
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: objectKey, Body: body },
      partSize: PART_BYTES,
      queueSize: PART_QUEUE,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
      return size;
    } catch (err) {
      body.destroy();
      source.destroy();
      throw failure ?? err;
    }
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    const from = this.objectKey(fromKey);
    try {
      await this.client.send(
        new CopyObjectCommand({ Bucket: this.bucket, Key: this.objectKey(toKey), CopySource: `${this.bucket}/${from}` }),
      );
    } catch (err) {
      if (isMissing(err)) throw missingBlob(fromKey);
      throw err;
    }
  }

  read(key: string): Readable {
    return readOnFirstPull(key, (k) => this.open(k));
  }

  async open(key: string): Promise<Readable | undefined> {
    const objectKey = this.objectKey(key);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: objectKey }));
      // In Node the body is the response stream (an IncomingMessage).
      return out.Body as Readable;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async remove(key: string): Promise<void> {
    // Deleting a missing object succeeds in S3: removal is idempotent.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }

  /** Why the bucket cannot be used now (HeadBucket), or undefined when it can. */
  async problem(timeoutMs: number): Promise<string | undefined> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal: AbortSignal.timeout(timeoutMs) });
      return undefined;
    } catch (err) {
      return describeS3Error(err, this.bucket);
    }
  }

  close(): void {
    this.client.destroy();
  }
}

/** Opens the configured bucket, refusing (with the reason) when it cannot be reached. */
export async function openS3BlobStore(target: S3Target): Promise<S3BlobStore> {
  const client = new S3Client({
    region: target.region,
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    forcePathStyle: target.forcePathStyle,
    ...(target.credentials ? { credentials: target.credentials } : {}),
    maxAttempts: 3,
  });
  const store = new S3BlobStore(client, target.bucket, target.prefix);
  const problem = await store.problem(START_CHECK_MS);
  if (problem) {
    store.close();
    throw new Error(
      `AGENTD_BLOB_URL: the bucket s3://${target.bucket} cannot be used (${problem}); check AGENTD_BLOB_URL, ` +
        'AGENTD_S3_ENDPOINT, the region (AGENTD_S3_REGION / AWS_REGION) and the AWS credentials',
    );
  }
  return store;
}

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  // A missing bucket is a configuration problem, never a missing blob.
  return e.name === 'NoSuchKey' || (e.$metadata?.httpStatusCode === 404 && e.name !== 'NoSuchBucket');
}

/** A one-line reason, from the error's name and status only (never a request or its signature). */
function describeS3Error(err: unknown, bucket: string): string {
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  if (status === 404) return `bucket "${bucket}" does not exist`;
  if (status === 403) return 'access denied: the credentials may not use this bucket';
  if (status === 301 || e.name === 'PermanentRedirect') return 'the bucket is in another region';
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'no answer in time';
  return `${e.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(err)}`;
}

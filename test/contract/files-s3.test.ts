// Contract: /v1/files with AGENTD_BLOB_URL=s3://… (a real S3-compatible server on loopback), driven
// through the official SDK on every dialect: the bytes go to the bucket and nowhere else, a refused
// upload leaves nothing there, and the server will not start (nor report ready) without its bucket.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { toFile } from '@anthropic-ai/sdk';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { expectEnvelope, failure } from '../helpers/errors.js';
import { startTestS3, type TestS3 } from '../helpers/s3.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { useServer } from '../helpers/use.js';

const MiB = 1024 * 1024;

function useS3(): TestS3 {
  let s3: TestS3 | undefined;
  beforeAll(async () => {
    s3 = await startTestS3();
  });
  afterAll(async () => {
    await s3?.close();
  });
  return new Proxy({} as TestS3, { get: (_t, prop) => Reflect.get(s3!, prop) as unknown });
}

/** File bytes the server kept outside the bucket: its files dir, and on PostgreSQL the blobs table. */
async function localBlobs(t: TestServer): Promise<string[]> {
  const dir = path.join(t.dataDir, 'files');
  const found = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  if (t.databaseUrl) {
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      found.push(...(await db.query<{ key: string }>('SELECT DISTINCT key FROM blobs')).rows.map((r) => r.key));
    } finally {
      await db.end();
    }
  }
  return found;
}

describe.each(dialects())('files in an S3 bucket (%s)', (dialect) => {
  const s3 = useS3();
  const t = useServer(dialect, () => ({ env: { ...s3.env('agentd/files'), AGENTD_MAX_FILE_BYTES: String(12 * MiB) } }));

  it('uploads into the bucket (in parts), downloads byte-equal, and deleting removes the object', { timeout: 60_000 }, async () => {
    const bytes = randomBytes(9 * MiB + 17);
    const file = await t.client.beta.files.upload({ file: await toFile(bytes, 'big.bin') });
    expect(file.size_bytes).toBe(bytes.length);
    expect(await s3.keys()).toEqual([`agentd/files/${file.id}`]);
    expect(await localBlobs(t)).toEqual([]);

    const res = await t.client.beta.files.download(file.id);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);

    await t.client.beta.files.delete(file.id);
    expect(await s3.keys()).toEqual([]);
    expect(s3.pendingUploads()).toEqual([]);
  });

  it('answers 413 past the size limit and leaves nothing in the bucket, not even parts', { timeout: 60_000 }, async () => {
    for (const size of [12 * MiB + 1, 20 * MiB]) {
      const err = await failure(t.client.beta.files.upload({ file: await toFile(randomBytes(size), 'huge.bin') }));
      expectEnvelope(err, 413, 'request_too_large');
    }
    expect(await s3.keys()).toEqual([]);
    expect(s3.pendingUploads()).toEqual([]);
    expect(await localBlobs(t)).toEqual([]);
  });

  it('is ready while the bucket answers', async () => {
    const res = await fetch(`${t.url}/health/ready`);
    expect(res.status).toBe(200);
  });
});

describe.each(dialects())('without its bucket (%s)', (dialect) => {
  it('refuses to start when the bucket does not exist, naming it', async () => {
    const s3 = await startTestS3();
    try {
      await expect(startTestServer(dialect, { env: { ...s3.env(), AGENTD_BLOB_URL: 's3://missing-bucket/x' } })).rejects.toThrow(
        /AGENTD_BLOB_URL: the bucket s3:\/\/missing-bucket cannot be used \(bucket "missing-bucket" does not exist\)/,
      );
    } finally {
      await s3.close();
    }
  });

  it('refuses an AGENTD_BLOB_URL of another scheme before anything starts', async () => {
    await expect(startTestServer(dialect, { env: { AGENTD_BLOB_URL: 'gs://bucket/files' } })).rejects.toThrow(
      /unsupported AGENTD_BLOB_URL scheme "gs:"/,
    );
  });

  it('reports not ready, in the error envelope, once the bucket stops answering', async () => {
    const s3 = await startTestS3();
    const t = await startTestServer(dialect, { env: s3.env() });
    try {
      expect((await fetch(`${t.url}/health/ready`)).status).toBe(200);
      await s3.close();
      const res = await fetch(`${t.url}/health/ready`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { type: string; error: { type: string; message: string } };
      expect(body).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
      expect(body.error.message).toMatch(/^not ready: the file bucket is unusable/);
    } finally {
      await t.close();
    }
  });
});

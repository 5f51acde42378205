// A real S3-compatible server on loopback (s3rver: Koa, objects in a temp dir) with one bucket, for
// the S3 blob store. s3rver 3.7 does not implement AbortMultipartUpload; the middleware below adds
// it (removing the upload's staged parts), so a test can see an aborted upload leaves nothing.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';

export interface TestS3 {
  readonly endpoint: string;
  readonly bucket: string;
  /** The server's settings for agentd (AGENTD_BLOB_URL under `prefix`, endpoint, its fixed test keys). */
  env(prefix?: string): Record<string, string>;
  /** A client of the bucket, to look past agentd. */
  readonly client: S3Client;
  /** Every object key in the bucket. */
  keys(): Promise<string[]>;
  /** Multipart uploads begun and neither completed nor aborted. */
  pendingUploads(): string[];
  close(): Promise<void>;
}

/** s3rver checks signatures against these fixed keys. */
const ACCESS_KEY = 'S3RVER';

export async function startTestS3(bucket = 'agentd-test'): Promise<TestS3> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir, configureBuckets: [{ name: bucket }] });
  const uploads = path.join(dir, bucket, '._S3rver_uploads');
  server.middleware.unshift(async (ctx, next) => {
    const uploadId = ctx.query.uploadId;
    if (ctx.method !== 'DELETE' || typeof uploadId !== 'string') return next();
    const staged = path.join(uploads, uploadId);
    if (!/^[0-9a-f]+$/.test(uploadId) || !fs.existsSync(staged)) {
      ctx.status = 404;
      ctx.type = 'application/xml';
      ctx.body = '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchUpload</Code><Message>no such upload</Message></Error>';
      return;
    }
    fs.rmSync(staged, { recursive: true, force: true });
    ctx.status = 204;
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: ACCESS_KEY } });
  return {
    endpoint,
    bucket,
    env: (prefix = '') => ({
      AGENTD_BLOB_URL: `s3://${bucket}/${prefix}`,
      AGENTD_S3_ENDPOINT: endpoint,
      AWS_ACCESS_KEY_ID: ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: ACCESS_KEY,
    }),
    client,
    keys: async () => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((c) => c.Key!));
        token = page.NextContinuationToken;
      } while (token);
      return keys.sort();
    },
    pendingUploads: () => (fs.existsSync(uploads) ? fs.readdirSync(uploads) : []),
    close: async () => {
      client.destroy();
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

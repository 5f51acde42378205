// `agentd serve` as a real process with AGENTD_BLOB_URL=s3://… against a real S3-compatible server
// on loopback: the banner names the bucket, files round-trip through the SDK into the bucket, no
// credential is ever printed; a missing bucket stops the start with a message naming it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Anthropic, { toFile } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_API_KEY } from '../helpers/server.js';
import { startServeProcess } from '../helpers/serve-process.js';
import { startTestS3, type TestS3 } from '../helpers/s3.js';
import { runCli, spawnCli } from './run-cli.js';

describe('agentd serve with an S3 bucket', () => {
  let s3: TestS3;
  beforeAll(async () => {
    s3 = await startTestS3();
  });
  afterAll(async () => {
    await s3.close();
  });
  const env = (prefix: string) => ({ ...s3.env(prefix), AGENTD_API_KEY: TEST_API_KEY, AGENTD_ENGINE: 'off', AGENTD_LOG_LEVEL: 'debug' });

  it('serves files from the bucket, says so in its banner, and prints no credential', async () => {
    const server = await startServeProcess(env('serve'));
    try {
      expect(server.output()).toContain(`files     in s3://${s3.bucket}/serve/ at ${s3.endpoint} (every replica serves every file)`);
      const client = new Anthropic({ baseURL: server.url, apiKey: TEST_API_KEY, maxRetries: 0 });
      const file = await client.beta.files.upload({ file: await toFile(Buffer.from('hello bucket'), 'hello.txt') });
      expect(await s3.keys()).toEqual([`serve/${file.id}`]);
      expect(await (await client.beta.files.download(file.id)).text()).toBe('hello bucket');
      await client.beta.files.delete(file.id);
      expect(await s3.keys()).toEqual([]);
    } finally {
      await server.stop();
    }
    // s3rver's fixed key id and secret are both "S3RVER".
    expect(server.output()).not.toContain('S3RVER');
  });

  it('refuses to start when the bucket does not exist', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-serve-s3-'));
    try {
      const p = spawnCli(['serve', '--port', '0', '--data-dir', dataDir], {
        env: { ...env('x'), AGENTD_BLOB_URL: 's3://missing-bucket/x' },
        timeoutMs: 60_000,
      });
      expect(await p.exited).not.toBe(0);
      expect(p.stderr()).toMatch(/the bucket s3:\/\/missing-bucket cannot be used \(bucket "missing-bucket" does not exist\)/);
      expect(p.stdout() + p.stderr()).not.toContain('S3RVER');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('agentd doctor checks the bucket: reachable, or missing with what to check', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-doctor-s3-'));
    try {
      const ok = await runCli(['doctor', '--data-dir', dataDir], { env: env('doc') });
      expect(ok.stdout).toContain(`✓ files     s3://${s3.bucket}/doc/ at ${s3.endpoint} (reachable)`);
      const missing = await runCli(['doctor', '--data-dir', dataDir], { env: { ...env('doc'), AGENTD_BLOB_URL: 's3://missing-bucket/' } });
      expect(missing.code).toBe(1);
      expect(missing.stdout).toMatch(/✗ files {5}AGENTD_BLOB_URL: the bucket s3:\/\/missing-bucket cannot be used \(bucket "missing-bucket" does not exist\)/);
      expect(ok.stdout + ok.stderr + missing.stdout + missing.stderr).not.toContain('S3RVER');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

// File bytes live in the database on PostgreSQL (or in an S3-compatible bucket with
// AGENTD_BLOB_URL): a file uploaded through one replica downloads byte-identical through another,
// whose disk never saw it, and a delete through either is seen by both.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { toFile } from '@anthropic-ai/sdk';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replicaDatabase, startReplica } from '../helpers/replicas.js';
import { startTestS3, type TestS3 } from '../helpers/s3.js';

const KEY = 'sk-files-test';

/** Every file under `dir` (none when it does not exist). */
function filesUnder(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map(String) : [];
}

describe.skipIf(!process.env.AGENTD_TEST_DATABASE_URL)('replicas: file bytes are shared (postgres)', () => {
  const database = replicaDatabase();
  const { replicas } = database;

  it('a file uploaded through A downloads byte-identical through C, and a delete through C reaches A', async () => {
    // No turn runs: the model variables do not matter.
    const a = await startReplica('a', { databaseUrl: database.url(), env: { AGENTD_API_KEY: KEY } });
    replicas.push(a);
    const c = await startReplica('c', { databaseUrl: database.url(), env: { AGENTD_API_KEY: KEY } });
    replicas.push(c);
    expect(c.proc!.output()).toContain('files     in the database');

    // Several database chunks, not a multiple of the chunk size.
    const bytes = randomBytes(3 * 1024 * 1024 + 4321);
    const file = await a.client.beta.files.upload({ file: await toFile(bytes, 'shared.bin') });
    expect(file.size_bytes).toBe(bytes.length);

    const res = await c.client.beta.files.download(file.id);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    expect((await c.client.beta.files.retrieveMetadata(file.id)).size_bytes).toBe(bytes.length);
    // Neither replica kept the bytes on its own disk.
    expect(filesUnder(path.join(a.dataDir, 'files'))).toEqual([]);
    expect(filesUnder(path.join(c.dataDir, 'files'))).toEqual([]);

    await c.client.beta.files.delete(file.id);
    await expect(a.client.beta.files.download(file.id)).rejects.toMatchObject({ status: 404 });
  });

  it('bytes an older version kept in a replica’s files directory are still served by that replica', async () => {
    // The replicas the test above started.
    const [a, c] = replicas;
    const bytes = randomBytes(70_000);
    const file = await a!.client.beta.files.upload({ file: await toFile(bytes, 'old.bin') });
    // As before the upgrade: the bytes in A's files directory, none in the database.
    fs.writeFileSync(path.join(a!.dataDir, 'files', file.id), bytes);
    const db = new pg.Client({ connectionString: database.url() });
    await db.connect();
    try {
      await db.query('DELETE FROM blobs WHERE key = $1', [file.id]);
    } finally {
      await db.end();
    }
    const res = await a!.client.beta.files.download(file.id);
    expect(Buffer.from(await res.arrayBuffer()).equals(bytes)).toBe(true);
    await expect(c!.client.beta.files.download(file.id)).rejects.toMatchObject({ status: 404 });
    await a!.client.beta.files.delete(file.id);
    expect(filesUnder(path.join(a!.dataDir, 'files'))).toEqual([]);
  });
});

describe.skipIf(!process.env.AGENTD_TEST_DATABASE_URL)('replicas: file bytes in an S3 bucket (postgres)', () => {
  const database = replicaDatabase();
  const { replicas } = database;
  let s3: TestS3;
  beforeAll(async () => {
    s3 = await startTestS3();
  });
  afterAll(async () => {
    await s3.close();
  });

  it('replicas share a bucket; bytes the database held before the switch stay served by every replica', async () => {
    const before = await startReplica('a', { databaseUrl: database.url(), env: { AGENTD_API_KEY: KEY } });
    replicas.push(before);
    const oldBytes = randomBytes(1024 * 1024 + 5);
    const old = await before.client.beta.files.upload({ file: await toFile(oldBytes, 'old.bin') });

    const env = { AGENTD_API_KEY: KEY, ...s3.env('shared') };
    const b = await startReplica('b', { databaseUrl: database.url(), env });
    replicas.push(b);
    const c = await startReplica('c', { databaseUrl: database.url(), env });
    replicas.push(c);
    expect(c.proc!.output()).toContain(`files     in s3://${s3.bucket}/shared/`);

    const bytes = randomBytes(2 * 1024 * 1024 + 99);
    const file = await b.client.beta.files.upload({ file: await toFile(bytes, 'new.bin') });
    expect(await s3.keys()).toEqual([`shared/${file.id}`]);
    expect(Buffer.from(await (await c.client.beta.files.download(file.id)).arrayBuffer()).equals(bytes)).toBe(true);
    expect(Buffer.from(await (await c.client.beta.files.download(old.id)).arrayBuffer()).equals(oldBytes)).toBe(true);
    const db = new pg.Client({ connectionString: database.url() });
    await db.connect();
    try {
      expect((await db.query('SELECT DISTINCT key FROM blobs')).rows.map((r) => r.key)).toEqual([old.id]);
      await c.client.beta.files.delete(old.id);
      expect((await db.query('SELECT count(*)::int AS n FROM blobs')).rows[0].n).toBe(0);
    } finally {
      await db.end();
    }
    await c.client.beta.files.delete(file.id);
    expect(await s3.keys()).toEqual([]);
    for (const r of [b, c]) expect(filesUnder(path.join(r.dataDir, 'files'))).toEqual([]);
  });
});

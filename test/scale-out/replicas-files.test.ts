// File bytes live in the database on PostgreSQL: a file uploaded through one replica downloads
// byte-identical through another, whose disk never saw it, and a delete through either is seen by both.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { toFile } from '@anthropic-ai/sdk';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { replicaDatabase, startReplica } from '../helpers/replicas.js';

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

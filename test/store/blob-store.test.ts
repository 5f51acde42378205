// The BlobStore contract, run against every implementation: the data-directory store (SQLite's),
// the database store (PostgreSQL's; also run here on SQLite, where its SQL works the same) and the
// S3 store (AGENTD_BLOB_URL=s3://…, against a real S3-compatible server on loopback).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobTooLargeError, DiskBlobStore, type BlobStore } from '../../src/store/blob-store.js';
import { FallbackBlobStore } from '../../src/store/fallback-blob-store.js';
import { DatabaseBlobStore, BLOB_CHUNK_BYTES } from '../../src/store/kysely/database-blob-store.js';
import { migrateToLatest } from '../../src/store/kysely/kysely-store.js';
import { sqliteTableExists } from '../../src/store/sqlite/open-sqlite-store.js';
import type { Database } from '../../src/store/kysely/schema.js';
import { openPostgresStore } from '../../src/store/postgres/open-postgres-store.js';
import { createPostgresDatabase } from '../helpers/databases.js';
import { parseBlobTarget } from '../../src/config/blob-target.js';
import { openS3BlobStore, PART_BYTES, type S3BlobStore } from '../../src/store/s3-blob-store.js';
import { startTestS3, type TestS3 } from '../helpers/s3.js';

interface OpenedBlobs {
  blobs: BlobStore;
  /** How many chunk rows the database holds (database stores only). */
  rows?: () => Promise<number>;
  /** What a write left behind besides the blobs themselves (the bucket's unfinished multipart uploads). */
  leftovers?: () => Promise<number>;
  cleanup: () => Promise<void>;
}

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `bytes` in pieces of 64 KiB, as an HTTP upload arrives. */
function source(bytes: Buffer): Readable {
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 65536) pieces.push(bytes.subarray(i, i + 65536));
  return Readable.from(pieces);
}

interface StoreTraits {
  /**
   * False where the store leaves atomic replacement to a server that, in this test, lacks it:
   * s3rver writes an object in place, so two concurrent PutObjects of one key interleave there
   * (S3 itself, MinIO and the like replace an object whole).
   */
  atomicOverwrites?: boolean;
}

function describeBlobStore(name: string, open: () => Promise<OpenedBlobs>, traits: StoreTraits = {}): void {
  describe(`blob store: ${name}`, () => {
    let opened: OpenedBlobs;
    let blobs: BlobStore;
    beforeEach(async () => {
      opened = await open();
      blobs = opened.blobs;
    });
    afterEach(async () => {
      await opened.cleanup();
    });

    it('writes, reads and opens the same bytes, across chunk boundaries', async () => {
      const bytes = randomBytes(2 * BLOB_CHUNK_BYTES + 12345);
      expect(await blobs.write('file_a', source(bytes), bytes.length)).toBe(bytes.length);
      expect((await bytesOf(blobs.read('file_a'))).equals(bytes)).toBe(true);
      const stream = await blobs.open('file_a');
      expect(stream).toBeDefined();
      expect((await bytesOf(stream!)).equals(bytes)).toBe(true);
    });

    it('keeps an empty blob (it exists, with no bytes)', async () => {
      expect(await blobs.write('file_empty', Readable.from([]), 10)).toBe(0);
      const stream = await blobs.open('file_empty');
      expect(stream).toBeDefined();
      expect((await bytesOf(stream!)).length).toBe(0);
    });

    it('a write past maxBytes rejects, keeps nothing new and leaves the previous bytes', async () => {
      const before = randomBytes(1000);
      await blobs.write('file_b', source(before), 1000);
      await expect(blobs.write('file_b', source(randomBytes(200_000)), 100_000)).rejects.toBeInstanceOf(BlobTooLargeError);
      await expect(blobs.write('file_c', source(randomBytes(200_000)), 100_000)).rejects.toBeInstanceOf(BlobTooLargeError);
      expect(await blobs.open('file_c')).toBeUndefined();
      expect((await bytesOf(blobs.read('file_b'))).equals(before)).toBe(true);
      if (opened.rows) expect(await opened.rows()).toBe(1);
      if (opened.leftovers) expect(await opened.leftovers()).toBe(0);
    });

    it('a source that fails mid-way rejects the write and keeps nothing', async () => {
      const failing = Readable.from(
        (async function* () {
          yield randomBytes(BLOB_CHUNK_BYTES + 10);
          throw new Error('client went away');
        })(),
      );
      await expect(blobs.write('file_d', failing, 10 * BLOB_CHUNK_BYTES)).rejects.toThrow('client went away');
      expect(await blobs.open('file_d')).toBeUndefined();
      if (opened.rows) expect(await opened.rows()).toBe(0);
      if (opened.leftovers) expect(await opened.leftovers()).toBe(0);
    });

    it('overwriting a key replaces all of its bytes', async () => {
      await blobs.write('file_e', source(randomBytes(BLOB_CHUNK_BYTES * 2 + 1)), Infinity);
      const shorter = randomBytes(300);
      expect(await blobs.write('file_e', source(shorter), Infinity)).toBe(300);
      expect((await bytesOf(blobs.read('file_e'))).equals(shorter)).toBe(true);
    });

    it.skipIf(traits.atomicOverwrites === false)('concurrent writes of one key leave one of them whole', async () => {
      const one = randomBytes(2 * BLOB_CHUNK_BYTES + 1);
      const other = randomBytes(2 * BLOB_CHUNK_BYTES + 2);
      const sizes = await Promise.all([blobs.write('file_race', source(one), Infinity), blobs.write('file_race', source(other), Infinity)]);
      expect(sizes).toEqual([one.length, other.length]);
      const got = await bytesOf(blobs.read('file_race'));
      expect(got.equals(one) || got.equals(other)).toBe(true);
      if (opened.rows) expect(await opened.rows()).toBe(3);
    });

    it('copies bytes to a new key that outlives the original', async () => {
      const bytes = randomBytes(BLOB_CHUNK_BYTES + 7);
      await blobs.write('file_f', source(bytes), Infinity);
      await blobs.copy('file_f', 'file_g');
      await blobs.remove('file_f');
      expect(await blobs.open('file_f')).toBeUndefined();
      expect((await bytesOf(blobs.read('file_g'))).equals(bytes)).toBe(true);
    });

    it('copying a missing blob rejects and creates nothing', async () => {
      await expect(blobs.copy('file_missing', 'file_h')).rejects.toMatchObject({ code: 'ENOENT' });
      expect(await blobs.open('file_h')).toBeUndefined();
    });

    it('open is undefined and read fails for a missing blob', async () => {
      expect(await blobs.open('file_none')).toBeUndefined();
      await expect(bytesOf(blobs.read('file_none'))).rejects.toMatchObject({ code: 'ENOENT' });
    });

    it('remove deletes the bytes, and removing a missing blob is fine', async () => {
      await blobs.write('file_i', source(randomBytes(10)), 10);
      await blobs.remove('file_i');
      expect(await blobs.open('file_i')).toBeUndefined();
      await blobs.remove('file_i');
      if (opened.rows) expect(await opened.rows()).toBe(0);
    });

    it('refuses keys that are not ids', async () => {
      await expect(blobs.write('../etc', source(Buffer.from('x')), 10)).rejects.toThrow(/invalid blob key/);
      await expect(blobs.open('a/b')).rejects.toThrow(/invalid blob key/);
    });
  });
}

describeBlobStore('data directory', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-blobs-'));
  return { blobs: new DiskBlobStore(dir), cleanup: async () => fs.rmSync(dir, { recursive: true, force: true }) };
});

describeBlobStore('database (SQLite)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-blobs-'));
  const { db, blobs } = await sqliteDatabaseBlobs(dir);
  return {
    blobs,
    rows: async () => (await db.selectFrom('blobs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n,
    cleanup: async () => {
      await db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

/** A database store on a fresh SQLite file (the same SQL as on PostgreSQL). */
async function sqliteDatabaseBlobs(dir: string) {
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new BetterSqlite3(path.join(dir, 'agentd.db')) }) });
  await migrateToLatest(db, sqliteTableExists);
  return { db, blobs: new DatabaseBlobStore(db) };
}

describeBlobStore('database, reading the files directory too', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-blobs-'));
  const { db, blobs } = await sqliteDatabaseBlobs(dir);
  return {
    blobs: new FallbackBlobStore(blobs, new DiskBlobStore(path.join(dir, 'files'))),
    rows: async () => (await db.selectFrom('blobs').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n,
    cleanup: async () => {
      await db.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

/** The S3 store on a fresh loopback bucket, opened from its AGENTD_BLOB_URL as the server does. */
async function s3Blobs(prefix: string): Promise<{ s3: TestS3; blobs: S3BlobStore }> {
  const s3 = await startTestS3();
  const target = parseBlobTarget(s3.env(prefix));
  if (target.kind !== 's3') throw new Error('not an S3 target');
  return { s3, blobs: await openS3BlobStore(target) };
}

describeBlobStore('S3 bucket (s3rver on loopback)', async () => {
  const { s3, blobs } = await s3Blobs('agentd/files');
  return {
    blobs,
    leftovers: async () => s3.pendingUploads().length,
    cleanup: async () => {
      blobs.close();
      await s3.close();
    },
  };
}, { atomicOverwrites: false });

describe('S3 store: large blobs in parts', () => {
  let s3: TestS3;
  let blobs: S3BlobStore;
  beforeEach(async () => {
    ({ s3, blobs } = await s3Blobs('p'));
  });
  afterEach(async () => {
    blobs.close();
    await s3.close();
  });

  it('writes a blob of several parts under the prefix and reads it back whole', { timeout: 60_000 }, async () => {
    const bytes = randomBytes(2 * PART_BYTES + 4321);
    expect(await blobs.write('file_big', source(bytes), bytes.length)).toBe(bytes.length);
    expect(await s3.keys()).toEqual(['p/file_big']);
    expect((await bytesOf(blobs.read('file_big'))).equals(bytes)).toBe(true);
    await blobs.copy('file_big', 'file_big2');
    expect((await bytesOf(blobs.read('file_big2'))).equals(bytes)).toBe(true);
    expect(s3.pendingUploads()).toEqual([]);
  });

  it('a write past maxBytes after parts went up aborts the upload: no object, no parts', { timeout: 60_000 }, async () => {
    await expect(blobs.write('file_huge', source(randomBytes(3 * PART_BYTES)), 2 * PART_BYTES + 1)).rejects.toBeInstanceOf(BlobTooLargeError);
    expect(await s3.keys()).toEqual([]);
    expect(s3.pendingUploads()).toEqual([]);
  });

  it('a source failing after parts went up rejects with its own error: no object, no parts', { timeout: 60_000 }, async () => {
    const failing = Readable.from(
      (async function* () {
        yield randomBytes(PART_BYTES);
        yield randomBytes(PART_BYTES);
        throw new Error('client went away');
      })(),
    );
    await expect(blobs.write('file_cut', failing, Infinity)).rejects.toThrow('client went away');
    expect(await s3.keys()).toEqual([]);
    expect(s3.pendingUploads()).toEqual([]);
  });

  it('a missing bucket stops the store from opening, naming the bucket', async () => {
    const target = parseBlobTarget({ ...s3.env(), AGENTD_BLOB_URL: 's3://no-such-bucket/' });
    if (target.kind !== 's3') throw new Error('not an S3 target');
    await expect(openS3BlobStore(target)).rejects.toThrow(/s3:\/\/no-such-bucket cannot be used \(bucket "no-such-bucket" does not exist\)/);
  });
});

describe('database store over bytes an older version left in the files directory', () => {
  let dir: string;
  let db: Kysely<Database>;
  let database: BlobStore;
  let disk: DiskBlobStore;
  let blobs: BlobStore;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-blobs-'));
    ({ db, blobs: database } = await sqliteDatabaseBlobs(dir));
    disk = new DiskBlobStore(path.join(dir, 'files'));
    blobs = new FallbackBlobStore(database, disk);
  });
  afterEach(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reads and opens them, copies them into the database, and removes them', async () => {
    const bytes = randomBytes(BLOB_CHUNK_BYTES + 99);
    await disk.write('file_old', source(bytes), Infinity);
    expect((await bytesOf(blobs.read('file_old'))).equals(bytes)).toBe(true);
    expect((await bytesOf((await blobs.open('file_old'))!)).equals(bytes)).toBe(true);

    await blobs.copy('file_old', 'file_copy');
    expect(await disk.open('file_copy')).toBeUndefined();
    expect((await bytesOf((await database.open('file_copy'))!)).equals(bytes)).toBe(true);

    await blobs.remove('file_old');
    expect(await disk.open('file_old')).toBeUndefined();
    expect(await blobs.open('file_old')).toBeUndefined();
  });

  it('writes new bytes to the database only, which wins over an older copy', async () => {
    await disk.write('file_both', source(Buffer.from('old')), Infinity);
    await blobs.write('file_both', source(Buffer.from('new')), Infinity);
    expect((await bytesOf(blobs.read('file_both'))).toString()).toBe('new');
    expect((await bytesOf((await disk.open('file_both'))!)).toString()).toBe('old');
  });
});

describe.skipIf(!process.env.AGENTD_TEST_DATABASE_URL)('postgres', () => {
  describeBlobStore('database (PostgreSQL, the store’s own)', async () => {
    const db = await createPostgresDatabase();
    const store = await openPostgresStore(db.url);
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    return {
      blobs: store.blobs!,
      rows: async () => Number((await admin.query('SELECT count(*) AS n FROM blobs')).rows[0].n),
      cleanup: async () => {
        await admin.end();
        await store.close();
        await db.drop();
      },
    };
  });

  it('a write whose rename collides with chunks another transaction commits meanwhile still wins, whole', async () => {
    const db = await createPostgresDatabase();
    const store = await openPostgresStore(db.url);
    const other = new pg.Client({ connectionString: db.url });
    const watcher = new pg.Client({ connectionString: db.url });
    await other.connect();
    await watcher.connect();
    try {
      // Another writer's chunks of the same key, not yet committed: our delete cannot see them.
      await other.query('BEGIN');
      await other.query("INSERT INTO blobs (key, n, data) VALUES ('file_x', 0, '\\x00'), ('file_x', 5, '\\x01')");
      const bytes = randomBytes(BLOB_CHUNK_BYTES + 3);
      const writing = store.blobs!.write('file_x', source(bytes), Infinity);
      // Our rename waits on their uncommitted key; then they commit and it collides.
      for (let i = 0; ; i++) {
        const waiting = await watcher.query('SELECT count(*) AS n FROM pg_locks WHERE NOT granted');
        if (Number(waiting.rows[0].n) > 0) break;
        if (i > 600) throw new Error('the write never waited on the other transaction');
        await new Promise((r) => setTimeout(r, 50));
      }
      await other.query('COMMIT');
      expect(await writing).toBe(bytes.length);
      expect((await bytesOf(store.blobs!.read('file_x'))).equals(bytes)).toBe(true);
      const rows = await watcher.query("SELECT n FROM blobs WHERE key = 'file_x' ORDER BY n");
      expect(rows.rows.map((r) => r.n)).toEqual([0, 1]);
    } finally {
      await other.end();
      await watcher.end();
      await store.close();
      await db.drop();
    }
  });

  it('opening the store sweeps chunks a write staged over a day ago and never published', async () => {
    const db = await createPostgresDatabase();
    let store = await openPostgresStore(db.url);
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await store.blobs!.write('file_kept', source(Buffer.from('kept')), Infinity);
      const dayAndMinuteAgo = new Date(Date.now() - 24 * 3600 * 1000 - 60_000).toISOString();
      const hourAgo = new Date(Date.now() - 3600 * 1000).toISOString();
      await admin.query(
        "INSERT INTO blobs (key, n, data, staged_at) VALUES ('file_dead~1', 0, '\\x00', $1), ('file_dead~1', 1, '\\x00', $1), ('file_slow~2', 0, '\\x00', $2)",
        [dayAndMinuteAgo, hourAgo],
      );
      await store.close();
      store = await openPostgresStore(db.url);
      const keys = (await admin.query('SELECT DISTINCT key FROM blobs ORDER BY key')).rows.map((r) => r.key);
      expect(keys).toEqual(['file_kept', 'file_slow~2']);
      expect((await bytesOf(store.blobs!.read('file_kept'))).toString()).toBe('kept');
    } finally {
      await admin.end();
      await store.close();
      await db.drop();
    }
  });

  it('stores a blob as chunks of at most about 1 MiB', async () => {
    const db = await createPostgresDatabase();
    const store = await openPostgresStore(db.url);
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      await store.blobs!.write('file_big', source(randomBytes(5 * BLOB_CHUNK_BYTES / 2)), Infinity);
      const rows = (await admin.query("SELECT n, length(data) AS len FROM blobs WHERE key = 'file_big' ORDER BY n")).rows;
      expect(rows.map((r) => r.n)).toEqual([0, 1, 2]);
      for (const r of rows) expect(Number(r.len)).toBeLessThanOrEqual(BLOB_CHUNK_BYTES + 65536);
    } finally {
      await admin.end();
      await store.close();
      await db.drop();
    }
  });
});

// File bytes in the database (used on PostgreSQL, so any replica serves any file): chunks of about
// 1 MiB keyed by (key, n). A write becomes visible in one transaction (a reader never sees half a
// blob; a refused or failed write leaves nothing); a read fetches one chunk per query as the
// consumer pulls, so neither direction ever holds a whole file in memory.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import { BlobTooLargeError, checkBlobKey, missingBlob, type BlobStore } from '../blob-store.js';
import type { Database } from './schema.js';
import { isUniqueViolation } from './unique-violation.js';

export const BLOB_CHUNK_BYTES = 1024 * 1024;

export class DatabaseBlobStore implements BlobStore {
  constructor(private readonly db: Kysely<Database>) {}

  async write(key: string, source: Readable, maxBytes: number): Promise<number> {
    checkBlobKey(key);
    // Chunks go in under a staging key, each insert on its own, so a slow upload never holds a
    // pooled connection or a transaction open; one short transaction then renames them.
    const staging = `${key}~${randomBytes(6).toString('hex')}`;
    const stagedAt = new Date().toISOString();
    try {
      let size = 0;
      let n = 0;
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      const flush = async () => {
        await this.db
          .insertInto('blobs')
          .values({ key: staging, n: n++, data: Buffer.concat(pending, pendingBytes), staged_at: stagedAt })
          .execute();
        pending = [];
        pendingBytes = 0;
      };
      // Leaving the loop by a throw destroys `source`.
      for await (const chunk of source) {
        const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array | string);
        size += buf.length;
        if (size > maxBytes) throw new BlobTooLargeError(`file exceeds ${maxBytes} bytes`);
        pending.push(buf);
        pendingBytes += buf.length;
        if (pendingBytes >= BLOB_CHUNK_BYTES) await flush();
      }
      // Chunk 0 always exists (empty for an empty blob): it is what says the blob exists.
      if (pendingBytes > 0 || n === 0) await flush();
      await this.publish(staging, key);
      return size;
    } catch (err) {
      // The caller wants the write's error; a failed cleanup only leaves unreachable staging rows.
      await this.db.deleteFrom('blobs').where('key', '=', staging).execute().catch(() => {});
      throw err;
    }
  }

  /** Replaces `key`'s chunks with the staged ones in one transaction: the last writer wins, whole. */
  private async publish(staging: string, key: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.db.transaction().execute(async (tx) => {
          await tx.deleteFrom('blobs').where('key', '=', key).execute();
          await tx.updateTable('blobs').set({ key, staged_at: null }).where('key', '=', staging).execute();
        });
        return;
      } catch (err) {
        // A concurrent write of the same key committed its chunks after our delete looked: the
        // rename collides with them (PostgreSQL); deleting again now sees and removes them.
        if (!isUniqueViolation(err) || attempt === 3) throw err;
      }
    }
  }

  /** Deletes chunks staged before `before` (ISO) and never published: writes whose process died. */
  async sweepAbandoned(before: string): Promise<number> {
    const result = await this.db.deleteFrom('blobs').where('staged_at', '<', before).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    checkBlobKey(fromKey);
    checkBlobKey(toKey);
    await this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom('blobs').where('key', '=', toKey).execute();
      const copied = await tx
        .insertInto('blobs')
        .columns(['key', 'n', 'data'])
        .expression((eb) => eb.selectFrom('blobs').select([eb.val(toKey).as('key'), 'n', 'data']).where('key', '=', fromKey))
        .executeTakeFirst();
      if (!copied.numInsertedOrUpdatedRows) throw missingBlob(fromKey);
    });
  }

  read(key: string): Readable {
    checkBlobKey(key);
    const db = this.db;
    return Readable.from(
      (async function* () {
        for (let n = 0; ; n++) {
          const row = await db.selectFrom('blobs').select('data').where('key', '=', key).where('n', '=', n).executeTakeFirst();
          if (!row) {
            if (n === 0) throw missingBlob(key);
            return;
          }
          if (row.data.length > 0) yield row.data;
        }
      })(),
      { objectMode: false },
    );
  }

  async open(key: string): Promise<Readable | undefined> {
    checkBlobKey(key);
    const first = await this.db.selectFrom('blobs').select('n').where('key', '=', key).where('n', '=', 0).executeTakeFirst();
    return first ? this.read(key) : undefined;
  }

  async remove(key: string): Promise<void> {
    checkBlobKey(key);
    await this.db.deleteFrom('blobs').where('key', '=', key).execute();
  }
}

// Where file bytes live (Files API uploads, session outputs, skill zips), and the local-disk store:
// bytes written to a temp name and renamed so a crash never leaves a torn file. The database store
// (kysely/database-blob-store.ts) is the Store's `blobs` where the dialect offers one (PostgreSQL).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';

export interface BlobStore {
  /** Streams `source` into the blob `key`; returns the byte count. Rejects (and cleans up) past `maxBytes`. */
  write(key: string, source: Readable, maxBytes: number): Promise<number>;
  copy(fromKey: string, toKey: string): Promise<void>;
  read(key: string): Readable;
  /** Opens the blob for reading: undefined when its bytes are missing (so a caller can answer before streaming). */
  open(key: string): Promise<Readable | undefined>;
  remove(key: string): Promise<void>;
}

export class BlobTooLargeError extends Error {}

/** Keys are ids: nothing that could name another path or need quoting. */
export function checkBlobKey(key: string): void {
  if (!/^[A-Za-z0-9_-]+$/.test(key)) throw new Error(`invalid blob key ${key}`);
}

/** The error reading or copying a missing blob fails with (the same code as the disk's). */
/**
 * A stream of the blob that opens it when first read (so `read` can answer at once), failing with
 * `missingBlob` when `open` finds nothing: `read` for stores whose `open` is the real lookup.
 */
export function readOnFirstPull(key: string, open: (key: string) => Promise<Readable | undefined>): Readable {
  return Readable.from(
    (async function* () {
      const stream = await open(key);
      if (!stream) throw missingBlob(key);
      yield* stream;
    })(),
    { objectMode: false },
  );
}

export function missingBlob(key: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`blob ${key} does not exist`), { code: 'ENOENT' });
}

export class DiskBlobStore implements BlobStore {
  constructor(private readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  private file(key: string): string {
    checkBlobKey(key);
    return path.join(this.dir, key);
  }

  async write(key: string, source: Readable, maxBytes: number): Promise<number> {
    const tmp = `${this.file(key)}.${randomBytes(6).toString('hex')}.tmp`;
    let size = 0;
    try {
      await pipeline(
        source,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            size += chunk.length;
            if (size > maxBytes) throw new BlobTooLargeError(`file exceeds ${maxBytes} bytes`);
            yield chunk;
          }
        },
        fs.createWriteStream(tmp),
      );
      await fsp.rename(tmp, this.file(key));
      return size;
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    }
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    await fsp.copyFile(this.file(fromKey), this.file(toKey));
  }

  read(key: string): Readable {
    return fs.createReadStream(this.file(key));
  }

  async open(key: string): Promise<Readable | undefined> {
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(this.file(key), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    return handle.createReadStream();
  }

  async remove(key: string): Promise<void> {
    await fsp.rm(this.file(key), { force: true });
  }
}

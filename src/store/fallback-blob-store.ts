// A blob store that also reads an older one: on PostgreSQL, bytes written to the files directory
// before they moved into the database (an upgraded deployment) stay readable, copyable and
// removable by the replica whose disk holds them. New bytes go to the primary store only.
import type { Readable } from 'node:stream';
import { readOnFirstPull, type BlobStore } from './blob-store.js';

export class FallbackBlobStore implements BlobStore {
  constructor(
    private readonly primary: BlobStore,
    private readonly older: BlobStore,
  ) {}

  write(key: string, source: Readable, maxBytes: number): Promise<number> {
    return this.primary.write(key, source, maxBytes);
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    const current = await this.primary.open(fromKey);
    // Opened only to learn where the bytes are: closed so no file handle or connection is held.
    current?.destroy();
    const old = current ? undefined : await this.older.open(fromKey);
    if (!old) return this.primary.copy(fromKey, toKey);
    // The copy is new bytes: it goes where every replica can read it.
    await this.primary.write(toKey, old, Infinity);
  }

  read(key: string): Readable {
    return readOnFirstPull(key, (k) => this.open(k));
  }

  async open(key: string): Promise<Readable | undefined> {
    return (await this.primary.open(key)) ?? (await this.older.open(key));
  }

  async remove(key: string): Promise<void> {
    await this.primary.remove(key);
    await this.older.remove(key);
  }
}

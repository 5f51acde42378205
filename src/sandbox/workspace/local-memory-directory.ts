// MemoryDirectory on this machine's disk: `<session>/memory/<store id>` and its index beside it.
import { createHash, randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { MEMORY_MARKER_NAME, MEMORY_PATH_MAX_SEGMENTS } from '../../domain/memory-path.js';
import { identityOf, sameIdentity } from '../outputs/output-index.js';
import { openInside, scanOutputs } from '../outputs/scan-outputs.js';
import { assertResolvesInside, ensureDirInside } from '../resources/host-files.js';
import type { LocalMemoryFile, MemoryDirectory, MemoryIndex } from './memory-directory.js';

/** A store holds at most 2,000 memories; a few more files are scanned so the extra can be reported. */
const SCAN_LIMITS = { maxFiles: 2500, maxDepth: MEMORY_PATH_MAX_SEGMENTS };

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export function localMemoryDirectory(dir: string): MemoryDirectory {
  const indexFile = `${dir}.index.json`;
  const abs = (rel: string) => path.join(dir, ...rel.split('/'));

  /** Reads a regular file inside the directory (O_NOFOLLOW, re-checked through /proc/self/fd). */
  async function read(rel: string): Promise<Buffer | undefined> {
    const real = await fsp.realpath(dir).catch(() => undefined);
    const opened = real === undefined ? undefined : await openInside(real, abs(rel));
    if (!opened) return undefined;
    try {
      return await opened.handle.readFile();
    } finally {
      await opened.handle.close();
    }
  }

  async function scan(index: MemoryIndex): Promise<{ files: Map<string, LocalMemoryFile>; seenChanged: boolean }> {
    const files = new Map<string, LocalMemoryFile>();
    const real = await fsp.realpath(dir).catch(() => undefined);
    if (real === undefined) return { files, seenChanged: Object.keys(index.seen).length > 0 };
    const seen: MemoryIndex['seen'] = {};
    let hashed = false;
    for (const file of await scanOutputs(real, SCAN_LIMITS)) {
      if (file.rel === MEMORY_MARKER_NAME) continue; // the SDK worker's marker file, never a memory
      const known = index.seen[file.rel];
      let digest = known && sameIdentity(known, file.stat) ? known.sha256 : undefined;
      if (digest === undefined) {
        const bytes = await read(file.rel);
        if (bytes === undefined) continue;
        digest = sha256(bytes);
        hashed = true;
      }
      seen[file.rel] = { ...identityOf(file.stat), sha256: digest };
      files.set(file.rel, { sha256: digest, sizeBytes: Number(file.stat.size) });
    }
    const seenChanged = hashed || files.size !== Object.keys(index.seen).length;
    index.seen = seen;
    return { files, seenChanged };
  }

  async function saveIndex(index: MemoryIndex): Promise<void> {
    const tmp = `${indexFile}.${randomBytes(6).toString('hex')}.tmp`;
    await fsp.writeFile(tmp, JSON.stringify(index), { flag: 'wx' });
    await fsp.rename(tmp, indexFile);
  }

  return {
    async index() {
      try {
        return JSON.parse(await fsp.readFile(indexFile, 'utf8')) as MemoryIndex;
      } catch {
        return undefined; // never placed (or unreadable: placed again from the store)
      }
    },

    async place(files, index) {
      // Staged beside the final directory and moved into place whole, so a crash never leaves a
      // half-written store that a later sync would take for the agent's deletions.
      const staging = `${dir}.${randomBytes(6).toString('hex')}.staging`;
      const made = new Set<string>();
      await fsp.mkdir(staging, { recursive: true });
      try {
        for (const [rel, content] of files) {
          const file = path.join(staging, ...rel.split('/'));
          const parent = path.dirname(file);
          if (!made.has(parent)) await fsp.mkdir(parent, { recursive: true });
          made.add(parent);
          await fsp.writeFile(file, content, { flag: 'wx' });
        }
        await fsp.rm(dir, { recursive: true, force: true });
        await fsp.rename(staging, dir);
      } finally {
        await fsp.rm(staging, { recursive: true, force: true });
      }
      // What was written is known: record it (its shas are the baseline's) so no sync re-reads it.
      const real = await fsp.realpath(dir);
      for (const file of await scanOutputs(real, SCAN_LIMITS)) {
        const digest = index.baseline[file.rel];
        if (digest !== undefined) index.seen[file.rel] = { ...identityOf(file.stat), sha256: digest };
      }
      await saveIndex(index);
    },

    scan,
    read,

    async write(rel, content) {
      const file = abs(rel);
      await ensureDirInside(dir, path.dirname(file), 'memory');
      const tmp = path.join(path.dirname(file), `.agentd-${randomBytes(6).toString('hex')}.tmp`);
      try {
        await fsp.writeFile(tmp, content, { flag: 'wx', mode: 0o644 });
        await assertResolvesInside(dir, tmp);
        // rename replaces a symlink the agent put there, never what it points at.
        await fsp.rename(tmp, file);
      } finally {
        await fsp.rm(tmp, { force: true });
      }
    },

    async remove(rel) {
      const file = abs(rel);
      try {
        await assertResolvesInside(dir, file);
      } catch {
        return; // its parent is gone or points elsewhere: nothing of ours to remove
      }
      const stat = await fsp.lstat(file).catch(() => undefined);
      if (stat && !stat.isDirectory()) await fsp.unlink(file);
    },

    saveIndex,
  };
}

// A memory store's directory in a session, on the host: materialised from the store, scanned after
// every built-in tool call, and written by the sync (see commands/session-memory.ts). The agent
// controls what is inside a read-write mount, so nothing here follows a symlink it planted.
import type { StatIdentity } from '../outputs/output-index.js';

/** What the last sync knew, kept next to (never inside) the directory. */
export interface MemoryIndex {
  /** The store's write revision the last sync saw (unchanged + no local change: nothing to do). */
  revision: number;
  /** Path → SHA-256 that the directory and the store agreed on at the last sync. */
  baseline: Record<string, string>;
  /** Path → SHA-256 of local versions the store refused (not offered again until they change). */
  refused: Record<string, string>;
  /** Path → the file version last hashed, so unchanged files are not read again. */
  seen: Record<string, StatIdentity & { sha256: string }>;
}

export const emptyMemoryIndex = (revision: number): MemoryIndex => ({ revision, baseline: {}, refused: {}, seen: {} });

export interface LocalMemoryFile {
  sha256: string;
  sizeBytes: number;
}

export interface MemoryDirectory {
  /** The index of the last sync, or undefined when the store was never placed here. */
  index(): Promise<MemoryIndex | undefined>;
  /** Writes `files` (path relative to the mount → content) into a fresh directory, then `index`. */
  place(files: ReadonlyMap<string, string>, index: MemoryIndex): Promise<void>;
  /**
   * The regular files now, by path relative to the mount (symlinks and special files are ignored).
   * Updates `index.seen`; `seenChanged` says whether it needs saving.
   */
  scan(index: MemoryIndex): Promise<{ files: Map<string, LocalMemoryFile>; seenChanged: boolean }>;
  /** A file's bytes (undefined if it is gone, or is no longer a regular file inside the directory). */
  read(rel: string): Promise<Buffer | undefined>;
  /** Writes a file, replacing what is there; parents are created without following symlinks. */
  write(rel: string, content: string): Promise<void>;
  /** Removes a file (never what a symlink points at). */
  remove(rel: string): Promise<void>;
  saveIndex(index: MemoryIndex): Promise<void>;
}

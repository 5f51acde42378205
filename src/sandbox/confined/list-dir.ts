// One directory's entries as the agent sees them: dirent types (never following a link), with the
// roots mounted inside it (e.g. /workspace/skills) standing in for whatever the host has there.
import fs from 'node:fs';
import { closeQuietly, lstatAt, openDirAt, openFileAt, readHeldDir } from './anchored-fs.js';
import { openRootDir, openRootFile, statRoot } from './root-host.js';
import { childPath, type Root, type RootTable } from './roots.js';

export interface Entry {
  name: string;
  kind: 'dir' | 'file' | 'other';
  /** Set when the entry is a root's mount point: it is opened through the root's host path. */
  root?: Root;
}

/**
 * The entries of the directory `fd` (at `dirPath`) in the order fs.readdir gives them, which the SDK's walker and
 * tinyglobby see: libuv's scandir sorts the names' bytes, off the event loop. An unreadable directory has none, as
 * for the SDK's walker. Read on libuv's thread pool: a directory of 300,000 entries the agent made held the server's
 * event loop ~1.8 s when it was read and sorted on it (readSync, then a sort that encoded both names per comparison).
 */
export async function listDir(table: RootTable, fd: number, dirPath: string): Promise<Entry[]> {
  const mounts = new Map(table.childNames(dirPath).map((name) => [name, table.at(childPath(dirPath, name))!]));
  let dirents: fs.Dirent[];
  try {
    dirents = await readHeldDir(fd);
  } catch {
    return [];
  }
  const entries: Entry[] = dirents.map((d) => {
    const root = mounts.get(d.name);
    if (root) {
      mounts.delete(d.name);
      return { name: d.name, kind: rootKind(root), root };
    }
    return { name: d.name, kind: d.isDirectory() ? 'dir' : d.isFile() ? 'file' : 'other' };
  });
  if (mounts.size === 0) return entries;
  // a mount point the host directory does not show (bwrap made it elsewhere): placed where its bytes sort
  for (const [name, root] of mounts) entries.push({ name, kind: rootKind(root), root });
  const keyed = entries.map((e) => ({ e, key: Buffer.from(e.name) }));
  return keyed.sort((a, b) => Buffer.compare(a.key, b.key)).map(({ e }) => e);
}

function rootKind(root: Root): Entry['kind'] {
  const stat = statRoot(root);
  return stat?.isDirectory() ? 'dir' : stat?.isFile() ? 'file' : 'other';
}

export const openEntryDir = (parentFd: number, entry: Entry): number => (entry.root ? openRootDir(entry.root) : openDirAt(parentFd, entry.name));

/** The entry opened as a regular file, or undefined when it is not one (any more). Throws errno errors. */
export function openEntryFile(parentFd: number, entry: Entry): number | undefined {
  const fd = entry.root ? openRootFile(entry.root) : openFileAt(parentFd, entry.name);
  try {
    if (fs.fstatSync(fd).isFile()) return fd;
  } catch {
    // unreadable: treated as not a file
  }
  closeQuietly(fd);
  return undefined;
}

/** The entry's lstat (a root's stat), or undefined. */
export function statEntry(parentFd: number, entry: Entry): fs.Stats | undefined {
  try {
    return entry.root ? statRoot(entry.root) : lstatAt(parentFd, entry.name);
  } catch {
    return undefined;
  }
}

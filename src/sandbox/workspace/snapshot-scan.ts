// Reads what a workspace snapshot covers: every file, directory and symlink under the given
// top-level directories of a session's root, by lstat (symlinks are recorded, never followed).
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Stats } from 'node:fs';
import type { Tree, TreeEntry } from '../../domain/workspace-snapshot-policy.js';

/** lstat calls in flight per directory: enough to keep libuv's thread pool busy. */
const PARALLEL = 32;

function entryOf(st: Stats, target?: string): TreeEntry | undefined {
  const base = { mode: st.mode & 0o7777, mtimeMs: st.mtimeMs };
  if (st.isFile()) return { type: 'file', size: st.size, ...base };
  if (st.isDirectory()) return { type: 'dir', size: 0, ...base };
  if (st.isSymbolicLink()) return { type: 'symlink', size: 0, target, ...base };
  return undefined; // sockets, fifos, devices: nothing a restore could bring back
}

/** Removed (or replaced by a file) while the scan ran: simply not there. Any other error is thrown. */
function gone(err: NodeJS.ErrnoException): undefined {
  if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
  throw err;
}

async function read(root: string, rel: string): Promise<TreeEntry | undefined> {
  const abs = path.join(root, rel);
  const st = await fsp.lstat(abs).catch(gone);
  if (!st) return undefined;
  return entryOf(st, st.isSymbolicLink() ? await fsp.readlink(abs).catch(gone) : undefined);
}

/**
 * The tree under `root/<top>` for each of `tops` (keys `top/…`), parents before children and in
 * name order; a missing top is simply absent.
 */
export async function scanTree(root: string, tops: readonly string[]): Promise<Map<string, TreeEntry>> {
  const tree = new Map<string, TreeEntry>();
  const visitDir = async (rel: string): Promise<void> => {
    // An unreadable directory fails the scan (and the snapshot) rather than pass for an empty one.
    const names = ((await fsp.readdir(path.join(root, rel)).catch(gone)) ?? []).sort();
    const subdirs: string[] = [];
    for (let i = 0; i < names.length; i += PARALLEL) {
      const rels = names.slice(i, i + PARALLEL).map((name) => `${rel}/${name}`);
      const entries = await Promise.all(rels.map((r) => read(root, r)));
      rels.forEach((r, j) => {
        const e = entries[j];
        if (!e) return;
        tree.set(r, e);
        if (e.type === 'dir') subdirs.push(r);
      });
    }
    for (const d of subdirs) await visitDir(d);
  };
  for (const top of tops) {
    const e = await read(root, top);
    if (!e) continue;
    tree.set(top, e);
    if (e.type === 'dir') await visitDir(top);
  }
  return tree;
}

// Reads what a workspace snapshot covers: every file, directory and symlink under the given
// top-level directories of a session's root, by lstat (symlinks are recorded, never followed).
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Tree, TreeEntry } from '../../domain/workspace-snapshot-policy.js';

function entryOf(st: import('node:fs').Stats, target?: string): TreeEntry | undefined {
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

/** The tree under `root/<top>` for each of `tops` (keys `top/…`); a missing top is simply absent. */
export async function scanTree(root: string, tops: readonly string[]): Promise<Map<string, TreeEntry>> {
  const tree = new Map<string, TreeEntry>();
  const visit = async (rel: string): Promise<void> => {
    const abs = path.join(root, rel);
    const st = await fsp.lstat(abs).catch(gone);
    if (!st) return;
    const entry = entryOf(st, st.isSymbolicLink() ? await fsp.readlink(abs) : undefined);
    if (!entry) return;
    tree.set(rel, entry);
    if (entry.type !== 'dir') return;
    // An unreadable directory fails the scan (and the snapshot) rather than pass for an empty one.
    const names = (await fsp.readdir(abs).catch(gone)) ?? [];
    for (const name of names.sort()) await visit(`${rel}/${name}`);
  };
  for (const top of tops) await visit(top);
  return tree;
}

// Host-side file operations inside a session directory the agent may also write to (its
// workspace): parents are created without following symlinks, and nothing existing is replaced.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { conflict } from '../../errors.js';

const inside = (dir: string, p: string) => p.startsWith(dir + path.sep);

/** Creates `dir` (inside `root`) component by component, refusing symlinks and non-directories. */
export async function ensureDirInside(root: string, dir: string, field: string): Promise<void> {
  await fsp.mkdir(root, { recursive: true });
  if (dir === root) return;
  if (!inside(root, dir)) throw new Error(`${dir} is not inside ${root}`);
  let current = root;
  for (const part of path.relative(root, dir).split(path.sep)) {
    current = path.join(current, part);
    const stat = await fsp.lstat(current).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (stat === undefined) {
      await fsp.mkdir(current).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
      if (!(await fsp.lstat(current)).isDirectory()) throw conflict(`${field}: ${current} changed while it was being created`);
    } else if (!stat.isDirectory()) {
      throw conflict(`${field}: a parent of the mount path exists in the session and is not a directory`);
    }
  }
}

/** Fails unless `p` still resolves inside `root` (a parent may have been swapped for a symlink). */
export async function assertResolvesInside(root: string, p: string): Promise<void> {
  const [realRoot, realParent] = await Promise.all([fsp.realpath(root), fsp.realpath(path.dirname(p))]);
  if (realParent !== realRoot && !inside(realRoot, realParent)) throw new Error(`${p} escapes ${root}`);
}

/** Writes `source` to `dest` as a read-only (0444) file; 409 if something already exists there. */
export async function placeReadOnlyFile(root: string, dest: string, source: () => Readable, field: string): Promise<void> {
  await ensureDirInside(root, path.dirname(dest), field);
  const tmp = path.join(path.dirname(dest), `.agentd-${randomBytes(6).toString('hex')}.tmp`);
  try {
    // 'wx' (O_CREAT|O_EXCL) never follows a symlink planted at the temporary name.
    await pipeline(source(), fs.createWriteStream(tmp, { flags: 'wx', mode: 0o444 }));
    await fsp.chmod(tmp, 0o444);
    await assertResolvesInside(root, tmp);
    // link, unlike rename, never replaces what is already there.
    await fsp.link(tmp, dest).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') throw conflict(`${field}: ${path.basename(dest)} already exists at that path in the session`);
      throw err;
    });
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

/** Moves a prepared directory to `dest` (inside `root`); 409 if something already exists there. */
export async function placeDirectory(root: string, dest: string, prepared: string, field: string): Promise<void> {
  await ensureDirInside(root, path.dirname(dest), field);
  await assertResolvesInside(root, dest);
  if (await fsp.lstat(dest).then(() => true, () => false)) {
    throw conflict(`${field}: ${path.basename(dest)} already exists at that path in the session`);
  }
  await fsp.rename(prepared, dest);
}

/** Removes a materialised file or directory, never following a symlink out of `root`. */
export async function removeInside(root: string, target: string): Promise<void> {
  if (!inside(root, target)) return;
  try {
    await assertResolvesInside(root, target);
  } catch {
    return; // its parent is gone or now points elsewhere: nothing of ours is left to remove
  }
  // fs.rm never follows symlinks inside the tree; `target` itself is removed, not what it points at.
  await fsp.rm(target, { recursive: true, force: true });
}

// Opening a root's host path. The server chose it, so the path is trusted, except for the part that
// lies inside another root's host directory (a resource materialised in the workspace): the agent
// can rename and relink there, so that part is walked from the outer root through held fds.
import fs from 'node:fs';
import { closeQuietly, openAt, openDirAt } from './anchored-fs.js';
import type { Root } from './roots.js';

const { O_RDONLY, O_WRONLY, O_DIRECTORY, O_NONBLOCK } = fs.constants;

export function openRootHost(root: Root, flags: number): number {
  if (!root.hostParent) return fs.openSync(root.hostPath, flags);
  const { outer, names } = root.hostParent;
  let fd = openRootHost(outer, O_RDONLY | O_DIRECTORY);
  try {
    for (const name of names.slice(0, -1)) {
      const next = openDirAt(fd, name);
      closeQuietly(fd);
      fd = next;
    }
    return openAt(fd, names.at(-1)!, flags);
  } finally {
    closeQuietly(fd);
  }
}

export const openRootDir = (root: Root): number => openRootHost(root, O_RDONLY | O_DIRECTORY);

/** A file root for reading (O_NONBLOCK: it must never hang on a FIFO). */
export const openRootFile = (root: Root): number => openRootHost(root, O_RDONLY | O_NONBLOCK);

/** A file root for rewriting in place: a bind-mounted file cannot be replaced by rename. */
export const openRootFileForWrite = (root: Root): number => openRootHost(root, O_WRONLY | O_NONBLOCK);

/** The root's fstat, or undefined when it cannot be opened. */
export function statRoot(root: Root): fs.Stats | undefined {
  let fd: number;
  try {
    fd = openRootHost(root, O_RDONLY | O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    return fs.fstatSync(fd);
  } catch {
    return undefined;
  } finally {
    closeQuietly(fd);
  }
}

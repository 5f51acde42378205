// Opening a resolved target as a regular file, for read and edit: never through a symlink, never
// blocking (a FIFO opens at once under O_NONBLOCK and is then refused by fstat).
import fs from 'node:fs';
import { closeQuietly, openFileAt } from './anchored-fs.js';
import { openRootFile } from './root-host.js';
import { errnoError } from './context.js';
import type { Target } from './resolve.js';

/** The open fd and its fstat, or undefined when the target is not a regular file. Throws errno errors. */
export function openRegularFile(target: Target): { fd: number; stat: fs.Stats } | undefined {
  let fd: number;
  switch (target.kind) {
    case 'missing':
      throw errnoError(target.code);
    case 'dir':
      return undefined;
    case 'file-root':
      fd = openRootFile(target.root);
      break;
    case 'entry':
      if (target.stat === undefined) throw errnoError('ENOENT');
      // lstat first: a device or FIFO is refused without even being opened
      if (!target.stat.isFile()) return undefined;
      fd = openFileAt(target.dirFd, target.name);
      break;
  }
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isFile()) return { fd, stat };
  } catch (err) {
    closeQuietly(fd);
    throw err;
  }
  closeQuietly(fd);
  return undefined;
}

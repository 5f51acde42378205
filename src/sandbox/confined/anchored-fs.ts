// Filesystem calls anchored on a directory fd we hold. The only path the kernel walks is
// /proc/self/fd/<fd> (the directory itself) plus ONE name, which open(O_NOFOLLOW), lstat, readlink,
// mkdir, rename and unlink never follow: a concurrent swap of any component for a symlink cannot
// redirect us. Every name comes from agent input or a listing, so it is checked to be a single
// component.
import fs from 'node:fs';

const { O_RDONLY, O_WRONLY, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK, O_CREAT, O_EXCL } = fs.constants;

function at(dirFd: number, name: string): string {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw Object.assign(new Error(`not a single path component: ${JSON.stringify(name)}`), { code: 'EINVAL' });
  }
  return `/proc/self/fd/${dirFd}/${name}`;
}

/** The directory held by `fd` itself, for listing it. */
export const heldDir = (fd: number): string => `/proc/self/fd/${fd}`;

export const openDirAt = (dirFd: number, name: string): number => fs.openSync(at(dirFd, name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);

/** Opens a file for reading without blocking (a FIFO opens at once); the caller fstat's it to require a regular file. */
export const openFileAt = (dirFd: number, name: string): number => fs.openSync(at(dirFd, name), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);

/** Creates `name` exclusively (never an existing file, never through a symlink). */
export const createFileAt = (dirFd: number, name: string, mode: number): number =>
  fs.openSync(at(dirFd, name), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);

export const lstatAt = (dirFd: number, name: string): fs.Stats => fs.lstatSync(at(dirFd, name));
export const readlinkAt = (dirFd: number, name: string): string => fs.readlinkSync(at(dirFd, name));
export const mkdirAt = (dirFd: number, name: string, mode: number): void => fs.mkdirSync(at(dirFd, name), { mode });
export const renameAt = (dirFd: number, from: string, to: string): void => fs.renameSync(at(dirFd, from), at(dirFd, to));
export const unlinkAt = (dirFd: number, name: string): void => fs.unlinkSync(at(dirFd, name));
/** The held directory's entries (dirent types: nothing is followed), sorted by their names' bytes (libuv's scandir). */
export const readHeldDir = (dirFd: number): Promise<fs.Dirent[]> => fs.promises.readdir(heldDir(dirFd), { withFileTypes: true });

/** Opens `name` in `dirFd` with `flags`, never following it. */
export const openAt = (dirFd: number, name: string, flags: number): number => fs.openSync(at(dirFd, name), flags | O_NOFOLLOW);

export function closeQuietly(fd: number | undefined): void {
  if (fd === undefined) return;
  try {
    fs.closeSync(fd);
  } catch {
    // already gone: nothing to release
  }
}

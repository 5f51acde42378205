// Resolves an agent's path in sandbox-path space, component by component, with realpath semantics,
// holding an fd on every directory it passes: `..` returns to the fd we came through, a symlink is
// read (never followed by the kernel) and its target resolved as a sandbox path, and the result is
// an fd (plus at most one name) that later calls are anchored on. Nothing here builds a host path
// from agent input.
import fs from 'node:fs';
import { errnoCode } from '@anthropic-ai/sdk/tools/agent-toolset/fs-util';
import { closeQuietly, lstatAt, mkdirAt, openDirAt, readlinkAt } from './anchored-fs.js';
import { openRootHost } from './root-host.js';
import { childPath, type Root, type RootTable } from './roots.js';

/** Linux MAXSYMLINKS, as the SDK's canonicalize. */
const MAX_SYMLINK_HOPS = 40;

/** Where a resolved path ended up. Every variant but `outside` lies within `root`. */
export type Target =
  /** `name` in the directory `dirFd` (which we hold); `stat` is its lstat, or undefined when absent. */
  | { kind: 'entry'; path: string; root: Root; dirFd: number; name: string; stat: fs.Stats | undefined }
  /** A directory we hold: a root's own directory, or one reached by a trailing `..`. */
  | { kind: 'dir'; path: string; root: Root; fd: number }
  /** A root that is a single file. */
  | { kind: 'file-root'; path: string; root: Root }
  /** Cannot exist: a parent is absent (ENOENT) or not a directory (ENOTDIR). */
  | { kind: 'missing'; path: string; root: Root; code: string };

type Level =
  | { kind: 'dir'; root: Root; fd: number }
  | { kind: 'file-root'; root: Root }
  | { kind: 'missing'; root: Root; code: string }
  | { kind: 'entry'; root: Root; dirFd: number; name: string; stat: fs.Stats | undefined }
  /** A sandbox-only directory above some root ('/', '/mnt'). */
  | { kind: 'virtual' }
  | { kind: 'outside' };

export interface CreateDirs {
  mode: number;
  /** Called with each new directory's fd (to chown it). */
  onCreate: (fd: number) => void;
}

export interface Resolution {
  /** undefined: the path resolved outside every root. */
  target: Target | undefined;
  /** Closes every fd the resolution holds. */
  release(): void;
}

const loopError = () => Object.assign(new Error('too many levels of symbolic links'), { code: 'ELOOP' });
/** The kernel's PATH_MAX: a longer path is refused before its components are walked (each step rebuilds the path). */
const PATH_MAX = 4096;
const nameTooLong = () => Object.assign(new Error('file name too long'), { code: 'ENAMETOOLONG' });

/**
 * Resolves `p` (absolute, or relative to `workdir`). With `create`, absent directories on the way
 * are made (never in a read-only root), as `mkdir -p` of the parent. Throws an errno error when the
 * path cannot be resolved (ELOOP); otherwise the caller must `release()`.
 */
export function resolveSandboxPath(table: RootTable, workdir: string, p: string, create?: CreateDirs): Resolution {
  const levels: Level[] = [];
  const names: string[] = [];
  const release = () => {
    for (const level of levels) if (level.kind === 'dir') closeQuietly(level.fd);
    levels.length = 0;
    names.length = 0;
  };
  const pop = () => {
    const level = levels.pop();
    names.pop();
    if (level?.kind === 'dir') closeQuietly(level.fd);
  };
  const here = () => '/' + names.join('/');
  const push = (name: string, level: Level) => {
    names.push(name);
    levels.push(level);
  };
  if (p.length >= PATH_MAX) throw nameTooLong();
  // Pending components, next one last.
  const todo = (p.startsWith('/') ? p : `${workdir}/${p}`).split('/').reverse();
  let hops = 0;
  try {
    while (todo.length > 0) {
      const name = todo.pop()!;
      if (name === '' || name === '.') continue;
      if (name === '..') {
        pop();
        continue;
      }
      const isLeaf = todo.every((n) => n === '' || n === '.');
      const parent: Level = levels.at(-1) ?? { kind: 'virtual' };
      const path = childPath(here(), name);
      const mounted = table.at(path);
      if (mounted) {
        push(name, openRoot(mounted));
        continue;
      }
      switch (parent.kind) {
        case 'virtual':
        case 'outside':
          push(name, parent.kind === 'virtual' && table.holdsRoot(path) ? { kind: 'virtual' } : { kind: 'outside' });
          continue;
        case 'file-root':
        case 'entry':
          push(name, { kind: 'missing', root: parent.root, code: 'ENOTDIR' });
          continue;
        case 'missing':
          push(name, parent);
          continue;
        case 'dir':
          break;
      }
      let stat: fs.Stats | undefined;
      try {
        stat = lstatAt(parent.fd, name);
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err;
      }
      if (stat?.isSymbolicLink()) {
        if (++hops > MAX_SYMLINK_HOPS) throw loopError();
        let target: string;
        try {
          target = readlinkAt(parent.fd, name);
        } catch (err) {
          // no longer a symlink (swapped since the lstat): look again, within the hop budget
          const code = errnoCode(err);
          if (code !== 'EINVAL' && code !== 'ENOENT') throw err;
          todo.push(name);
          continue;
        }
        // An absolute target is a sandbox path: start again from '/'.
        if (target.startsWith('/')) release();
        todo.push(...target.split('/').reverse());
        continue;
      }
      if (isLeaf) {
        push(name, { kind: 'entry', root: parent.root, dirFd: parent.fd, name, stat });
        continue;
      }
      if (stat === undefined && create && !parent.root.readOnly) {
        try {
          mkdirAt(parent.fd, name, create.mode);
        } catch (err) {
          if (errnoCode(err) !== 'EEXIST') throw err;
        }
        let fd: number | undefined;
        try {
          fd = openDirAt(parent.fd, name);
        } catch (err) {
          const code = errnoCode(err);
          if (code !== 'ELOOP' && code !== 'ENOTDIR' && code !== 'ENOENT') throw err;
        }
        if (fd === undefined) {
          // raced by the agent (moved away, or swapped for a link or a file): look again
          if (++hops > MAX_SYMLINK_HOPS) throw loopError();
          todo.push(name);
          continue;
        }
        push(name, { kind: 'dir', root: parent.root, fd });
        create.onCreate(fd);
        continue;
      }
      if (stat === undefined || !stat.isDirectory()) {
        // `mkdir -p` of the leaf's parent fails EEXIST when that parent is a file, ENOTDIR further up
        const code = stat === undefined ? 'ENOENT' : create && todo.filter((n) => n !== '' && n !== '.').length === 1 ? 'EEXIST' : 'ENOTDIR';
        push(name, { kind: 'missing', root: parent.root, code });
        continue;
      }
      let fd: number;
      try {
        fd = openDirAt(parent.fd, name);
      } catch (err) {
        // Swapped since the lstat (for a symlink, a file, or nothing): look again, within the hop budget.
        const code = errnoCode(err);
        if (code !== 'ELOOP' && code !== 'ENOTDIR' && code !== 'ENOENT') throw err;
        if (++hops > MAX_SYMLINK_HOPS) throw loopError();
        todo.push(name);
        continue;
      }
      push(name, { kind: 'dir', root: parent.root, fd });
    }
  } catch (err) {
    release();
    throw err;
  }
  const last: Level = levels.at(-1) ?? { kind: 'virtual' };
  const path = here();
  let target: Target | undefined;
  switch (last.kind) {
    case 'virtual':
    case 'outside':
      target = undefined;
      break;
    case 'dir':
      target = { kind: 'dir', path, root: last.root, fd: last.fd };
      break;
    case 'entry':
      target = { kind: 'entry', path, root: last.root, dirFd: last.dirFd, name: last.name, stat: last.stat };
      break;
    case 'file-root':
      target = { kind: 'file-root', path, root: last.root };
      break;
    case 'missing':
      target = { kind: 'missing', path, root: last.root, code: last.code };
      break;
  }
  return { target, release };
}

function openRoot(root: Root): Level {
  let fd: number;
  try {
    fd = openRootHost(root, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    return { kind: 'missing', root, code: errnoCode(err) ?? 'ENOENT' };
  }
  let isDir: boolean;
  try {
    isDir = fs.fstatSync(fd).isDirectory();
  } catch (err) {
    closeQuietly(fd);
    throw err;
  }
  if (isDir) return { kind: 'dir', root, fd };
  closeQuietly(fd);
  return { kind: 'file-root', root };
}

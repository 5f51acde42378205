// Writing a resolved target as the SDK's atomicWriteFile does (sibling temp file, fsync, rename; a
// new file FILE_CREATE_MODE, an existing one keeps its mode), with every call anchored on the held
// parent directory fd. The server is root: what it creates is fchown'ed to the session's owner.
import crypto from 'node:crypto';
import { promisify } from 'node:util';
import fs from 'node:fs';
import { FILE_CREATE_MODE, errnoCode } from '@anthropic-ai/sdk/tools/agent-toolset/fs-util';
import { closeQuietly, createFileAt, lstatAt, renameAt, unlinkAt } from './anchored-fs.js';
import { openRootFileForWrite } from './root-host.js';
import { errnoError, type ToolContext } from './context.js';
import type { Target } from './resolve.js';

/** On the thread pool: a disk flush must not hold the server's event loop (the fd stays ours meanwhile). */
const fsync = promisify(fs.fsync);

export async function writeTarget(ctx: ToolContext, target: Target, content: string): Promise<void> {
  switch (target.kind) {
    case 'missing':
      throw errnoError(target.code);
    case 'dir':
      throw errnoError('EISDIR');
    case 'file-root':
      return rewriteInPlace(openRootFileForWrite(target.root), content);
    case 'entry':
      return atomicWriteAt(ctx, target.dirFd, target.name, content);
  }
}

async function atomicWriteAt(ctx: ToolContext, dirFd: number, name: string, content: string): Promise<void> {
  let existing: fs.Stats | undefined;
  try {
    existing = lstatAt(dirFd, name);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  const temp = `.tmp-${process.pid}-${crypto.randomUUID()}`;
  let fd: number | undefined;
  try {
    fd = createFileAt(dirFd, temp, FILE_CREATE_MODE);
    if (existing !== undefined) fs.fchmodSync(fd, existing.mode & 0o777);
    // a file replaced keeps its owner, as an in-sandbox rewrite by its owner would
    if (ctx.owner) fs.fchownSync(fd, existing?.isFile() ? existing.uid : ctx.owner.uid, existing?.isFile() ? existing.gid : ctx.owner.gid);
    fs.writeFileSync(fd, content, 'utf8');
    await fsync(fd);
    fs.closeSync(fd);
    fd = undefined;
    renameAt(dirFd, temp, name);
  } catch (err) {
    closeQuietly(fd);
    try {
      unlinkAt(dirFd, temp);
    } catch {
      // never created, or already renamed
    }
    throw err;
  }
}

/** A file root is a bind-mounted inode: rename cannot replace it, so it is rewritten in place. */
async function rewriteInPlace(fd: number, content: string): Promise<void> {
  try {
    if (!fs.fstatSync(fd).isFile()) throw errnoError('EISDIR');
    fs.ftruncateSync(fd, 0);
    fs.writeFileSync(fd, content, 'utf8');
    await fsync(fd);
  } finally {
    closeQuietly(fd);
  }
}

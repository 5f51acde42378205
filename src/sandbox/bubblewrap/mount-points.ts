// Creates, on the host, the mount points of resources that land inside the session's own
// directories (/workspace, /mnt/session/outputs). The agent controls those directories, so a
// component it replaced with a symlink must not be followed: bubblewrap would resolve it on the
// host while setting up, and create directories or files wherever it points.
import fs from 'node:fs';
import path from 'node:path';
import { AGENT_OUTPUTS_DIR, type Mount, type SessionLayout } from '../session-layout.js';
import { AGENT_WORKDIR } from '../types.js';
import { isWithin } from './bwrap-args.js';

export class MountPointError extends Error {}

function ensure(hostPath: string, kind: 'dir' | 'file', shown: string): void {
  const st = fs.lstatSync(hostPath, { throwIfNoEntry: false });
  if (!st) {
    if (kind === 'dir') fs.mkdirSync(hostPath);
    else fs.closeSync(fs.openSync(hostPath, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, 0o644));
    return;
  }
  if (st.isSymbolicLink()) throw new MountPointError(`${shown} is a symbolic link; remove it so the resource can be mounted there`);
  if (kind === 'dir' ? !st.isDirectory() : !st.isFile()) {
    throw new MountPointError(`${shown} exists and is not a ${kind === 'dir' ? 'directory' : 'regular file'}; remove it so the resource can be mounted there`);
  }
}

/** Walks each in-session mount path component by component (no symlink followed), creating what is missing. */
export function prepareMountPoints(layout: SessionLayout, mounts: readonly Mount[]): void {
  const roots: Array<[string, string]> = [
    [AGENT_WORKDIR, layout.workspace],
    [AGENT_OUTPUTS_DIR, layout.outputs],
  ];
  for (const mount of mounts) {
    const mountPath = path.posix.normalize(mount.mountPath);
    const root = roots.find(([sandboxRoot]) => isWithin(sandboxRoot, mountPath));
    if (!root) continue; // elsewhere the mount point lives in the sandbox's own root tmpfs
    const [sandboxRoot, hostRoot] = root;
    const parts = path.posix.relative(sandboxRoot, mountPath).split('/').filter(Boolean);
    if (parts.length === 0) throw new MountPointError(`a resource cannot be mounted over ${sandboxRoot} itself`);
    let host = hostRoot;
    let shown = sandboxRoot;
    for (const [i, part] of parts.entries()) {
      host = path.join(host, part);
      shown = `${shown}/${part}`;
      if (i < parts.length - 1) {
        ensure(host, 'dir', shown);
      } else if (path.resolve(host) === path.resolve(mount.hostPath)) {
        // Materialised in place (the resource is its own mount point): it must still be a real
        // file or directory, not something the agent swapped in.
        if (fs.lstatSync(host, { throwIfNoEntry: false })?.isSymbolicLink()) {
          throw new MountPointError(`${shown} is a symbolic link; remove it so the resource can be mounted there`);
        }
      } else {
        const source = fs.statSync(mount.hostPath, { throwIfNoEntry: false });
        if (source) ensure(host, source.isDirectory() ? 'dir' : 'file', shown);
      }
    }
  }
}

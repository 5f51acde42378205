// Where resources may be mounted inside the sandbox: validation, defaults and overlap checks.
import path from 'node:path';
import { invalidRequest } from '../../errors.js';
import { AGENT_OUTPUTS_DIR } from '../session-layout.js';
import { AGENT_WORKDIR } from '../types.js';

/** The SDK's documented default for file resources. */
export const fileDefaultMountPath = (fileId: string) => `/mnt/session/uploads/${fileId}`;

/** Trees a resource may not be mounted in (kernel filesystems; the agent's outputs). */
const FORBIDDEN_TREES = ['/proc', '/sys', '/dev', AGENT_OUTPUTS_DIR];
/** Directories the sandbox itself provides: a resource may live inside them, never replace them. */
const RESERVED_DIRS = [AGENT_WORKDIR, AGENT_OUTPUTS_DIR, '/mnt/memory'];

const within = (p: string, dir: string) => p === dir || p.startsWith(dir === '/' ? '/' : dir + '/');

/** Checks an explicit mount path: absolute, normalised, and not over anything the sandbox owns. */
export function checkMountPath(mountPath: string, field: string): string {
  if (!mountPath.startsWith('/')) throw invalidRequest(`${field}: must be an absolute path, got "${mountPath}"`);
  if (mountPath.includes('\0') || path.posix.normalize(mountPath) !== mountPath || mountPath.endsWith('/')) {
    throw invalidRequest(`${field}: must be a normalised absolute path (no "..", ".", "//" or trailing "/"), got "${mountPath}"`);
  }
  if (mountPath.length > 4096) throw invalidRequest(`${field}: must be at most 4096 characters`);
  const forbidden = FORBIDDEN_TREES.find((dir) => within(mountPath, dir));
  if (forbidden !== undefined) throw invalidRequest(`${field}: cannot mount a resource inside ${forbidden}`);
  const reserved = RESERVED_DIRS.find((dir) => within(dir, mountPath));
  if (reserved !== undefined) throw invalidRequest(`${field}: ${mountPath} would hide ${reserved}, which the sandbox provides`);
  return mountPath;
}

/** `<name>` of `https://host/owner/<name>(.git)`, of `git@host:owner/<name>.git` or of a local path. */
export function repositoryName(url: string): string | undefined {
  const trimmed = url.replace(/[/\\]+$/, '');
  const last = trimmed.split(/[/:\\]/).pop() ?? '';
  const name = last.replace(/\.git$/, '');
  return /^[A-Za-z0-9._-]+$/.test(name) && name !== '.' && name !== '..' ? name : undefined;
}

export function repositoryDefaultMountPath(url: string, field: string): string {
  const name = repositoryName(url);
  if (name === undefined) throw invalidRequest(`${field}: cannot derive a repository name from the url; set mount_path`);
  return `${AGENT_WORKDIR}/${name}`;
}

/** Two mounts may not share a path or nest inside each other (one would hide the other). */
export function checkNoOverlap(mounts: readonly { mountPath: string; field: string }[]): void {
  for (const [i, a] of mounts.entries()) {
    for (const b of mounts.slice(0, i)) {
      if (within(a.mountPath, b.mountPath) || within(b.mountPath, a.mountPath)) {
        throw invalidRequest(`${a.field}: ${a.mountPath} overlaps the mount path ${b.mountPath} of ${b.field.replace(/\.mount_path$/, '')}`);
      }
    }
  }
}

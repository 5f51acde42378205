// Repositories on the server's own disk (file:// urls and absolute paths) are cloned by the server's git, which reads
// whatever the agentd user can: only from directories the operator lists (AGENTD_REPOSITORY_LOCAL_ROOTS), and never
// from agentd's own data (another session's workspace, the database, uploaded files), whatever the list says.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const LOCAL_ROOTS_SETTING = 'AGENTD_REPOSITORY_LOCAL_ROOTS';

export interface LocalRepositoryPolicy {
  /** Directories local repositories may be cloned from (absolute). */
  roots: readonly string[];
  /** agentd's own directories: refused even under a root. */
  ownDirs: readonly string[];
}

/** The host path a local repository url names (file:// or an absolute path), or undefined for a remote one. */
function localPath(url: string): string | undefined {
  if (url.startsWith('/')) return url;
  if (!/^file:\/\//i.test(url)) return undefined;
  try {
    return fileURLToPath(url);
  } catch {
    return '/'; // file://otherhost/…: judged as the whole disk, which no root allows
  }
}

/** The path with its links resolved (as far as it exists): where git would read. */
function realPath(p: string): string {
  const resolved = path.resolve(p);
  try {
    return fs.realpathSync(resolved);
  } catch {
    const parent = path.dirname(resolved);
    return parent === resolved ? resolved : path.join(realPath(parent), path.basename(resolved));
  }
}

const within = (dir: string, p: string) => p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);

/** Why the server may not clone `url`, or undefined when it may (every remote url may). */
export function localRepositoryRefusal(url: string, policy: LocalRepositoryPolicy): string | undefined {
  const local = localPath(url);
  if (local === undefined) return undefined;
  const target = realPath(local);
  if (policy.ownDirs.some((dir) => within(realPath(dir), target))) return `${url} is inside agentd's own data, which is never cloned`;
  if (!policy.roots.some((root) => within(realPath(root), target))) {
    return `local repositories are cloned only from directories the operator lists in ${LOCAL_ROOTS_SETTING} (${
      policy.roots.length > 0 ? `now: ${policy.roots.join(path.delimiter)}` : 'unset'
    })`;
  }
  return undefined;
}

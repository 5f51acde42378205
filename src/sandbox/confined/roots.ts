// The roots the file tools may reach, looked up by sandbox path the way the kernel picks a mount:
// the longest sandboxPath that is the path or one of its ancestors wins.
import path from 'node:path';

export interface ConfinedRoot {
  /** Absolute path the agent sees, e.g. '/workspace', '/mnt/session/outputs', '/workspace/skills', '/mnt/memory/notes', '/workspace/data.csv'. */
  sandboxPath: string;
  /** Host path bound there (a directory, or a regular file for a file resource). */
  hostPath: string;
  readOnly: boolean;
}

/** A root as the tools hold it. */
export interface Root extends ConfinedRoot {
  /**
   * Set when the host path lies inside another root's host directory (a resource materialised in
   * the workspace): the agent can rename things there, so it is opened from that root, through
   * held fds, never by its path.
   */
  readonly hostParent: { outer: Root; names: string[] } | undefined;
}

export class RootTable {
  readonly roots: readonly Root[];
  private readonly byPath: Map<string, Root>;

  constructor(roots: readonly ConfinedRoot[]) {
    const resolved = roots.map((r) => ({ ...r, sandboxPath: path.posix.resolve(r.sandboxPath), hostPath: path.resolve(r.hostPath), hostParent: undefined as Root['hostParent'] }));
    for (const root of resolved) {
      // the innermost other root whose host directory holds this one's host path
      const outer = resolved
        .filter((o) => o !== root && root.hostPath.startsWith(o.hostPath === '/' ? '/' : o.hostPath + '/'))
        .sort((a, b) => b.hostPath.length - a.hostPath.length)[0];
      if (outer) root.hostParent = { outer, names: path.relative(outer.hostPath, root.hostPath).split('/') };
    }
    this.roots = resolved;
    this.byPath = new Map(this.roots.map((r) => [r.sandboxPath, r]));
  }

  /** The root mounted exactly at `sandboxPath`, if any. */
  at(sandboxPath: string): Root | undefined {
    return this.byPath.get(sandboxPath);
  }

  /** Whether `sandboxPath` is a directory above some root (it exists in the sandbox only to hold mounts). */
  holdsRoot(sandboxPath: string): boolean {
    const prefix = sandboxPath === '/' ? '/' : sandboxPath + '/';
    return this.roots.some((r) => r.sandboxPath.startsWith(prefix));
  }

  /** Names of the roots mounted directly inside the directory `sandboxPath`. */
  childNames(sandboxPath: string): string[] {
    return this.roots.filter((r) => r.sandboxPath !== '/' && path.posix.dirname(r.sandboxPath) === sandboxPath).map((r) => path.posix.basename(r.sandboxPath));
  }
}

/** `dir` + `/` + `name` in sandbox-path space (no doubled slash under '/'). */
export function childPath(dir: string, name: string): string {
  return dir === '/' ? `/${name}` : `${dir}/${name}`;
}

// Who a sandbox's processes are on the host. An unprivileged agentd's sandboxes run as its own
// user. When agentd runs as root they never do: the launcher drops to a dedicated unprivileged
// uid/gid (AGENTD_SANDBOX_UID/GID) with no supplementary groups, capabilities or bounding set
// before bwrap starts, so process limits hold and a kernel escape does not land as root. The
// session's own directories are handed to that user; everything else of the host it can reach
// only where bwrap binds it (by open file descriptor, so it needs no right to traverse the data dir).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface SandboxUser {
  uid: number;
  gid: number;
  /** True when agentd switches to this user (it runs as root); false when it is agentd's own. */
  switches: boolean;
}

export function sandboxUser(uid: number, gid: number): SandboxUser {
  const self = process.getuid?.() ?? 0;
  if (self !== 0) return { uid: self, gid: process.getgid?.() ?? self, switches: false };
  return { uid, gid, switches: true };
}

/**
 * argv that puts the launcher into `procsFiles` (cgroups) and drops to `user`, then runs `command`.
 * The cgroup is joined by the shell's own pid before it execs, so nothing escapes it by forking.
 */
export function launcher(user: SandboxUser, setpriv: string, procsFiles: readonly string[], command: readonly string[]): string[] {
  const drop = user.switches
    ? [setpriv, `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--']
    : [];
  if (procsFiles.length === 0) return [...drop, ...command];
  const join = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 98; shift; done; shift; exec "$@"';
  return ['/bin/sh', '-c', join, 'agentd-launch', ...procsFiles, '--', ...drop, ...command];
}

/**
 * Gives `dir` and everything under it to the sandbox user (lchown: symlinks are never followed),
 * skipping what it owns already. Server-written files (placed resources, memory syncs) are root's
 * until handed over; read-only mounts stay read-only through their bind, whoever owns them.
 */
export function handOver(dir: string, user: SandboxUser): void {
  if (!user.switches) return;
  const visit = (p: string) => {
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (st.uid !== user.uid || st.gid !== user.gid) fs.lchownSync(p, user.uid, user.gid);
    if (!st.isDirectory()) return;
    for (const name of fs.readdirSync(p)) visit(path.join(p, name));
  };
  visit(dir);
}

/**
 * Makes every directory above `dir` searchable by the sandbox user. Directories of agentd's own
 * (`ownDirs`: the data and workspaces dirs, and those between them) get the sandbox group and g+x
 * (no read: nothing can be listed). Any other one (say /root, when the data dir is inside it) gets
 * one POSIX ACL entry, search only, for the sandbox uid (`setfacl -m u:<uid>:x`); without setfacl
 * it is refused with what to change. Only bwrap uses this right, while it sets a sandbox up: the
 * sandbox's own processes see nothing of the host's file system but their binds.
 */
export function allowTraversal(dir: string, ownDirs: readonly string[], user: SandboxUser, setfacl: string | undefined): string | undefined {
  if (!user.switches) return undefined;
  const own = ownDirs.map((d) => path.resolve(d));
  const isOwn = (d: string) => own.some((o) => d === o || d.startsWith(o + path.sep));
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const st = fs.statSync(d);
    const searchable = (st.mode & 0o001) !== 0 || (st.gid === user.gid && (st.mode & 0o010) !== 0) || st.uid === user.uid;
    if (!searchable && isOwn(d)) {
      fs.chownSync(d, st.uid, user.gid);
      fs.chmodSync(d, (st.mode & 0o7777) | 0o010);
    } else if (!searchable) {
      const r = setfacl ? spawnSync(setfacl, ['-m', `u:${user.uid}:x`, d], { encoding: 'utf8' }) : undefined;
      if (!r || r.status !== 0) {
        const why = r ? (r.stderr || `exit ${r.status}`).trim() : 'setfacl (package acl) is not installed';
        return `${d} is not searchable by the sandbox user (uid ${user.uid}) and could not be made so (${why}); install acl, allow it (setfacl -m u:${user.uid}:x ${d}) or move AGENTD_WORKSPACES_DIR`;
      }
    }
    if (path.dirname(d) === d) return undefined;
  }
}

// The /etc a sandbox sees, bound read-only as one directory plus the allowed host directories on top:
// the allowed host files (ETC_ENTRIES that are files, or symlinks to files) and agentd's generated
// passwd/group/hosts are copied into the view, and each allowed directory (ssl/certs, alternatives, …)
// gets an empty mount point there and its own bind, so it stays the host's, live. One bind per entry
// (about 30) was a third of bubblewrap's start: it re-reads the whole mount table after every bind
// mount to set its flags (docs/benchmarks.md, "Lean sandbox at 1,000 sessions"). The copied files are
// looked at again at most once a second as sandboxes open, and the view is rebuilt when one's inode,
// size or times changed. Earlier views stay until the provider closes: running sandboxes have them mounted.
import fs from 'node:fs';
import path from 'node:path';

/** How long a view is used before the host's entries are looked at again. */
const RECHECK_MS = 1000;

export interface EtcLayout {
  /** The directory to bind at /etc. */
  dir: string;
  /** Entries (relative to /etc) that are host directories, to bind over their mount points in the view. */
  directories: readonly string[];
}

export class EtcView {
  private current: { signature: string; layout: EtcLayout } | undefined;
  private lookedAt = -Infinity;
  private built = 0;

  constructor(
    /** A private directory of the provider's; views are made inside it. */
    private readonly root: string,
    /** Paths relative to /etc; missing ones are skipped, as `--ro-bind-try` would. */
    private readonly entries: readonly string[],
    /** Files agentd generates, by their name in /etc. */
    private readonly generated: Readonly<Record<string, string>>,
    /** Empty files to bind others over (a read-only /etc has no room for a new mount point). */
    private readonly placeholders: readonly string[],
    private readonly now: () => number = Date.now,
    private readonly hostEtc = '/etc',
  ) {}

  /** The view as the host's entries are now (within a second). Throws when a copy fails. */
  layout(): EtcLayout {
    const now = this.now();
    if (this.current && now - this.lookedAt < RECHECK_MS) return this.current.layout;
    this.lookedAt = now;
    // Followed, as a bind mount follows its source: a symlinked entry shows what it points to.
    const found = this.entries.map((entry) => ({ entry, st: fs.statSync(path.join(this.hostEtc, entry), { throwIfNoEntry: false }) }));
    // A directory's contents are bound live: only whether it is there matters.
    const signature = found.map(({ st }) => (!st ? '-' : st.isDirectory() ? 'd' : `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`)).join('|');
    if (this.current?.signature !== signature) this.current = { signature, layout: this.build(found) };
    return this.current.layout;
  }

  private build(found: ReadonlyArray<{ entry: string; st: fs.Stats | undefined }>): EtcLayout {
    const dir = path.join(this.root, `etc-${++this.built}`);
    makeDir(dir);
    const directories: string[] = [];
    for (const { entry, st } of found) {
      if (!st) continue;
      let parent = dir;
      for (const part of path.dirname(entry).split('/')) {
        if (part === '.' || part === '') continue;
        parent = path.join(parent, part);
        if (!fs.existsSync(parent)) makeDir(parent);
      }
      const target = path.join(dir, entry);
      if (st.isDirectory()) {
        makeDir(target);
        directories.push(entry);
      } else if (st.isFile()) {
        fs.copyFileSync(path.join(this.hostEtc, entry), target);
        fs.chmodSync(target, st.mode & 0o777);
      }
    }
    for (const [name, file] of Object.entries(this.generated)) {
      fs.copyFileSync(file, path.join(dir, name));
      fs.chmodSync(path.join(dir, name), 0o644);
    }
    for (const name of this.placeholders) fs.writeFileSync(path.join(dir, name), '', { mode: 0o644 });
    return { dir, directories };
  }
}

/** A directory every sandbox user may list (the umask must not narrow it). */
function makeDir(dir: string): void {
  fs.mkdirSync(dir);
  fs.chmodSync(dir, 0o755);
}

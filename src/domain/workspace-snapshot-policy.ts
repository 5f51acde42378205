// What a workspace snapshot writes: the diff of two scans of a session's agent-writable tree, and
// whether it becomes nothing, a layer over the last base, a new base (compaction), or is skipped
// (over the cap). Pure: the scans and the snapshot list are read by the caller.

/** One thing in the tree, keyed by its path relative to the session's root (`workspace/a.txt`). */
export interface TreeEntry {
  type: 'file' | 'dir' | 'symlink';
  /** Permission bits (0o7777). */
  mode: number;
  /** Bytes of a file; 0 otherwise. */
  size: number;
  /** Modification time in ms (sub-ms precision where the file system has it). */
  mtimeMs: number;
  /** A symlink's target, as written (never resolved). */
  target?: string | undefined;
}

export type Tree = ReadonlyMap<string, TreeEntry>;

export interface TreeDiff {
  /** Paths new or changed since the earlier scan, parents before children. */
  changed: string[];
  /** Paths gone since the earlier scan: only the topmost of a removed subtree. */
  deleted: string[];
}

const sameEntry = (a: TreeEntry, b: TreeEntry) =>
  a.type === b.type && a.mode === b.mode && a.size === b.size && a.mtimeMs === b.mtimeMs && a.target === b.target;

const parentOf = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : undefined);

export function diffTrees(before: Tree, after: Tree): TreeDiff {
  const changed = [...after.entries()].filter(([p, e]) => {
    const was = before.get(p);
    return !was || !sameEntry(was, e);
  });
  const gone = new Set([...before.keys()].filter((p) => !after.has(p)));
  // A path replaced by another type (a file where a directory was) is removed before it is written.
  for (const [p, e] of changed) {
    const was = before.get(p);
    if (was && was.type !== e.type) gone.add(p);
  }
  const deleted = [...gone].filter((p) => {
    for (let up = parentOf(p); up !== undefined; up = parentOf(up)) if (gone.has(up)) return false;
    return true;
  });
  return { changed: changed.map(([p]) => p).sort(byDepthThenName), deleted: deleted.sort() };
}

const depth = (p: string) => p.split('/').length;
const byDepthThenName = (a: string, b: string) => depth(a) - depth(b) || (a < b ? -1 : a > b ? 1 : 0);

/** Total bytes of the files of a tree (what a full snapshot would hold, uncompressed). */
export const treeBytes = (tree: Tree) => [...tree.values()].reduce((n, e) => n + (e.type === 'file' ? e.size : 0), 0);

export interface SnapshotPolicy {
  /** Skip the snapshot when the tree's files exceed this many bytes (AGENTD_WORKSPACE_SNAPSHOT_MAX_BYTES). */
  maxBytes: number;
  /** Compact into a new base once this many layers sit on the base (AGENTD_WORKSPACE_SNAPSHOT_MAX_LAYERS). */
  maxLayers: number;
}

/** The stored snapshots of a session from its latest base on (what a restore reads). */
export interface StoredChain {
  /** Compressed bytes of the base, and of each layer above it in order. */
  baseBytes: number;
  layerBytes: readonly number[];
}

export type SnapshotPlan =
  | { kind: 'nothing' }
  | { kind: 'skip'; treeBytes: number }
  | { kind: 'base'; reason: 'first' | 'unknown-local-state' | 'layers' | 'layer-bytes' }
  | { kind: 'layer'; diff: TreeDiff };

/**
 * `known` is the scan the last stored snapshot corresponds to, when this replica has it
 * (undefined: a base is the only safe choice); `chain` the stored snapshots (undefined: none).
 */
export function planSnapshot(args: {
  tree: Tree;
  known: Tree | undefined;
  chain: StoredChain | undefined;
  policy: SnapshotPolicy;
}): SnapshotPlan {
  const { tree, known, chain, policy } = args;
  const diff = chain && known ? diffTrees(known, tree) : undefined;
  if (diff && diff.changed.length === 0 && diff.deleted.length === 0) return { kind: 'nothing' };
  const total = treeBytes(tree);
  if (total > policy.maxBytes) return { kind: 'skip', treeBytes: total };
  if (!chain) return { kind: 'base', reason: 'first' };
  if (!diff) return { kind: 'base', reason: 'unknown-local-state' };
  if (chain.layerBytes.length >= policy.maxLayers) return { kind: 'base', reason: 'layers' };
  // Layers that together weigh as much as the base make a restore read more than a fresh base would.
  const layered = chain.layerBytes.reduce((n, b) => n + b, 0);
  if (layered > 0 && layered >= chain.baseBytes) return { kind: 'base', reason: 'layer-bytes' };
  return { kind: 'layer', diff };
}

/** A path as it may appear in a snapshot: relative, `/`-separated, no `.`/`..`/empty segment, under `roots`. */
export function safeSnapshotPath(p: string, roots: readonly string[]): boolean {
  if (p.length === 0 || p.startsWith('/') || p.includes('\\') || p.includes('\0')) return false;
  const parts = p.split('/');
  if (parts.some((s) => s === '' || s === '.' || s === '..')) return false;
  return roots.includes(parts[0]!);
}

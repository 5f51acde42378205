// How a mounted memory store's directory and the store are reconciled after a tool call: a pure
// three-way merge of the files now (local), what both sides agreed on at the last sync (baseline)
// and the store now (remote), with the SDK worker's rules, so a store behaves the same whether a
// cloud sandbox or a self-hosted worker mounts it:
//   - changed on one side only: that side's version goes to the other;
//   - changed on both sides: the store's version wins (the local edit is reported, not saved),
//     except that a file edited locally whose memory was deleted remotely re-creates it;
//   - a read-only mount never pushes: it follows the store.
// Paths are relative to the mount (`notes/a.md` ↔ memory `/notes/a.md`); values are SHA-256 hex.

export interface RemoteHead {
  id: string;
  sha: string;
}

export interface SyncInput {
  local: ReadonlyMap<string, string>;
  baseline: ReadonlyMap<string, string>;
  remote: ReadonlyMap<string, RemoteHead>;
  readOnly: boolean;
  /** Local versions the store already refused (too large, not UTF-8, …): not offered again. */
  refused: ReadonlyMap<string, string>;
}

export type SyncAction =
  /** A new local file becomes a memory. */
  | { type: 'create'; rel: string; sha: string }
  /** A local edit goes to the memory, if it still holds `expectedSha`. */
  | { type: 'update'; rel: string; sha: string; id: string; expectedSha: string }
  /** A file deleted locally deletes its memory, if it still holds `expectedSha`. */
  | { type: 'delete'; rel: string; id: string; expectedSha: string }
  /** The memory's content goes to the file (`conflict`: a local edit is overwritten). */
  | { type: 'pull'; rel: string; id: string; sha: string; conflict: boolean }
  /** The memory is gone: so goes the file. */
  | { type: 'remove'; rel: string };

export interface SyncPlan {
  actions: SyncAction[];
  /** Baseline entries of the paths that need nothing (actions add theirs when they succeed). */
  settled: Map<string, string>;
}

export function planMemorySync(input: SyncInput): SyncPlan {
  const { local, baseline, remote, readOnly, refused } = input;
  const actions: SyncAction[] = [];
  const settled = new Map<string, string>();
  const paths = [...new Set([...local.keys(), ...baseline.keys(), ...remote.keys()])].sort();
  for (const rel of paths) {
    const l = local.get(rel);
    const b = baseline.get(rel);
    const r = remote.get(rel);
    if (l === r?.sha) {
      if (r) settled.set(rel, r.sha);
      continue;
    }
    const localChanged = l !== b;
    const remoteChanged = r?.sha !== b;
    if (readOnly || !localChanged) {
      // The store's state goes to the file.
      actions.push(r ? { type: 'pull', rel, id: r.id, sha: r.sha, conflict: false } : { type: 'remove', rel });
      continue;
    }
    if (l !== undefined && refused.get(rel) === l) {
      if (b !== undefined) settled.set(rel, b);
      continue;
    }
    if (!remoteChanged) {
      if (l === undefined) actions.push({ type: 'delete', rel, id: r!.id, expectedSha: b! });
      else if (r === undefined) actions.push({ type: 'create', rel, sha: l });
      else actions.push({ type: 'update', rel, sha: l, id: r.id, expectedSha: b! });
      continue;
    }
    // Changed on both sides.
    if (r === undefined) actions.push({ type: 'create', rel, sha: l! });
    else actions.push({ type: 'pull', rel, id: r.id, sha: r.sha, conflict: l !== undefined });
  }
  return { actions, settled };
}

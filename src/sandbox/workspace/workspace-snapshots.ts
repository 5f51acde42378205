// Workspace snapshots (issue 14): at the end of a run that ran built-in tools, the engine replica
// writes what changed in the session's agent-writable directories to the blob store (a base, then
// layers of changed entries with deletions, compacted into a new base); a replica that runs the
// session without an up-to-date copy restores the latest base and its layers before the first
// tool call. Policy and limits: docs/scaling.md ("Workspace snapshots").
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Logger } from '../../logger.js';
import { BlobTooLargeError, type BlobStore } from '../../store/blob-store.js';
import type { Store } from '../../store/types.js';
import type { WorkspaceSnapshotRecord } from '../../store/workspace-snapshot-types.js';
import { planSnapshot, treeBytes, type SnapshotPolicy, type Tree, type TreeEntry } from '../../domain/workspace-snapshot-policy.js';
import { sessionLayout } from '../session-layout.js';
import { scanTree } from './snapshot-scan.js';
import { packTree, removeEntry, unpackTree } from './snapshot-archive.js';
import { PREPARED_RECORD } from './local-workspaces.js';

/**
 * What a snapshot covers, under the session's host root: the agent's /workspace, its
 * /mnt/session/outputs, and repositories mounted outside /workspace (writable). Memory stores
 * (synced to their stores after every tool) and skills (unpacked from their versions) are placed
 * again from the database, so they are left out.
 */
export const SNAPSHOT_TOPS = ['workspace', 'outputs', 'resources'] as const;

/** This replica's copy of a session's workspace corresponds to snapshot `generation`, whose scan was `tree`. */
interface LocalState {
  generation: number;
  tree: [string, TreeEntry][];
}

const STATE_FILE = 'snapshot-state.json';

/** The lease a snapshot is written under: a replica that lost it writes nothing. */
export interface SnapshotFence {
  owner: string;
  token: number;
}

export type SnapshotOutcome =
  | { kind: 'nothing' }
  | { kind: 'skipped'; treeBytes: number }
  | { kind: 'base' | 'layer'; generation: number; bytes: number; entries: number; deleted: number };

export interface WorkspaceSnapshotsDeps {
  workspacesDir: string;
  store: Store;
  blobs: BlobStore;
  policy: SnapshotPolicy;
  logger: Logger;
  now: () => string;
  /** Told of every snapshot taken or skipped and every restore (metrics). */
  observe?: ((event: { type: 'snapshot'; outcome: SnapshotOutcome } | { type: 'restore'; bytes: number }) => void) | undefined;
}

export interface WorkspaceSnapshots {
  /** Brings this replica's copy of the workspace up to the session's latest snapshot; true when it restored one. */
  restoreWorkspace(sessionId: string): Promise<boolean>;
  /** Writes what changed since the last snapshot (nothing when nothing did), taken at the log's `eventSeq`. */
  snapshotWorkspace(sessionId: string, at: { eventSeq: number; fence: SnapshotFence }): Promise<SnapshotOutcome>;
  /** Deletes the session's snapshot rows and then their blobs (with the session). */
  removeSnapshots(sessionId: string): Promise<void>;
}

/** The snapshots a restore reads: the latest base and the layers after it. */
function fromLatestBase(all: readonly WorkspaceSnapshotRecord[]): WorkspaceSnapshotRecord[] {
  const base = all.map((r) => r.kind).lastIndexOf('base');
  return base < 0 ? [] : all.slice(base);
}

export function workspaceSnapshots(deps: WorkspaceSnapshotsDeps): WorkspaceSnapshots {
  const { store, blobs, logger } = deps;
  const rootOf = (sessionId: string) => sessionLayout(deps.workspacesDir, sessionId).root;
  const statePath = (sessionId: string) => path.join(rootOf(sessionId), STATE_FILE);

  async function loadState(sessionId: string): Promise<LocalState | undefined> {
    try {
      return JSON.parse(await fsp.readFile(statePath(sessionId), 'utf8')) as LocalState;
    } catch {
      return undefined; // never snapshotted or restored here (or unreadable: a base is taken next)
    }
  }

  async function saveState(sessionId: string, generation: number, tree: Tree): Promise<void> {
    const target = statePath(sessionId);
    await fsp.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    await fsp.writeFile(tmp, JSON.stringify({ generation, tree: [...tree] } satisfies LocalState));
    await fsp.rename(tmp, target);
  }

  async function removeBlobs(records: readonly WorkspaceSnapshotRecord[]): Promise<void> {
    await Promise.all(records.map((r) => blobs.remove(r.blobKey).catch((err: unknown) => logger.warn({ err, session_id: r.sessionId }, 'snapshot blob not removed'))));
  }

  return {
    async restoreWorkspace(sessionId) {
      const chain = fromLatestBase(await store.workspaceSnapshots.list(sessionId));
      const latest = chain.at(-1);
      if (!latest) return false;
      if ((await loadState(sessionId))?.generation === latest.generation) return false;
      const root = rootOf(sessionId);
      // A restore cut short must not pass for a current copy: the state goes first.
      await fsp.rm(statePath(sessionId), { force: true });
      // The placement record describes the directories being replaced: without it, the next preparation
      // adopts the resources the snapshot brings back and places only those it lacks (added since).
      await fsp.rm(path.join(root, PREPARED_RECORD), { force: true });
      for (const top of SNAPSHOT_TOPS) await fsp.rm(path.join(root, top), { recursive: true, force: true });
      await fsp.mkdir(root, { recursive: true });
      let bytes = 0;
      for (const record of chain) {
        for (const rel of record.deleted) await removeEntry(root, rel, SNAPSHOT_TOPS);
        const source = await blobs.open(record.blobKey);
        if (!source) throw new Error(`workspace snapshot ${record.generation} of ${sessionId}: its blob is missing`);
        await unpackTree(root, source, SNAPSHOT_TOPS);
        bytes += record.bytes;
      }
      await saveState(sessionId, latest.generation, await scanTree(root, SNAPSHOT_TOPS));
      logger.info({ session_id: sessionId, generation: latest.generation, snapshots: chain.length, bytes }, 'workspace restored from its snapshot');
      deps.observe?.({ type: 'restore', bytes });
      return true;
    },

    async snapshotWorkspace(sessionId, { eventSeq, fence }) {
      const all = await store.workspaceSnapshots.list(sessionId);
      const chain = fromLatestBase(all);
      const latest = all.at(-1);
      const local = await loadState(sessionId);
      const known = latest && local?.generation === latest.generation ? new Map(local.tree) : undefined;
      const root = rootOf(sessionId);
      const tree = await scanTree(root, SNAPSHOT_TOPS);
      const plan = planSnapshot({
        tree,
        known,
        chain: chain[0] && { baseBytes: chain[0].bytes, layerBytes: chain.slice(1).map((r) => r.bytes) },
        policy: deps.policy,
      });
      const observed = (outcome: SnapshotOutcome) => {
        deps.observe?.({ type: 'snapshot', outcome });
        return outcome;
      };
      if (plan.kind === 'nothing') return observed({ kind: 'nothing' });
      const skipped = (treeBytes: number) => {
        logger.warn(
          { session_id: sessionId, tree_bytes: treeBytes, max_bytes: deps.policy.maxBytes },
          'workspace snapshot skipped: the workspace exceeds AGENTD_WORKSPACE_SNAPSHOT_MAX_BYTES (a failover restores the last snapshot taken)',
        );
        return observed({ kind: 'skipped', treeBytes });
      };
      if (plan.kind === 'skip') return skipped(plan.treeBytes);
      const kind = plan.kind === 'layer' ? 'layer' : 'base';
      const paths = plan.kind === 'layer' ? plan.diff.changed : [...tree.keys()];
      const deleted = plan.kind === 'layer' ? plan.diff.deleted : [];
      const blobKey = `wsnap_${randomBytes(12).toString('hex')}`;
      let bytes: number;
      try {
        bytes = await blobs.write(blobKey, packTree(root, tree, paths), deps.policy.maxBytes);
      } catch (err) {
        // Files under the cap whose archive is over it (incompressible bytes plus tar headers).
        if (err instanceof BlobTooLargeError) return skipped(treeBytes(tree));
        throw err;
      }
      const generation = (latest?.generation ?? 0) + 1;
      const record: WorkspaceSnapshotRecord = {
        sessionId,
        generation,
        kind,
        blobKey,
        bytes,
        entries: paths.length,
        treeBytes: treeBytes(tree),
        deleted,
        eventSeq,
        createdAt: deps.now(),
      };
      let superseded: WorkspaceSnapshotRecord[];
      try {
        superseded = await store.transaction(async (tx) => {
          // Fenced like every engine write: a replica that lost the lease records nothing.
          if (!(await tx.sessions.holdsLease(sessionId, fence.owner, fence.token))) throw new Error(`lease on ${sessionId} lost: snapshot not recorded`);
          await tx.workspaceSnapshots.insert(record);
          return kind === 'base' ? tx.workspaceSnapshots.deleteBefore(sessionId, generation) : [];
        });
      } catch (err) {
        await blobs.remove(blobKey).catch(() => {});
        throw err;
      }
      await removeBlobs(superseded);
      await saveState(sessionId, generation, tree);
      return observed({ kind, generation, bytes, entries: paths.length, deleted: deleted.length });
    },

    async removeSnapshots(sessionId) {
      await removeBlobs(await store.workspaceSnapshots.deleteAll(sessionId));
    },
  };
}

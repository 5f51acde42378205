// Workspaces on this machine's disk, under the per-session layout every local sandbox mounts
// (session-layout.ts).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { cloneRepository, GitFailure } from '../resources/clone-repository.js';
import { placeDirectory, placeReadOnlyFile, removeInside } from '../resources/host-files.js';
import { identityOf, loadOutputIndex, sameIdentity, saveOutputIndex } from '../outputs/output-index.js';
import { openInside, scanOutputs, type ScanLimits } from '../outputs/scan-outputs.js';
import { memoryHostPath, resourceHostPath, sessionLayout, workspaceRelative, type SessionLayout } from '../session-layout.js';
import { localMemoryDirectory } from './local-memory-directory.js';
import { placeSkill } from './place-skill.js';
import type { Workspaces } from './workspaces.js';

/** The record of which resources are materialised in this copy of the session (outside every mount). */
/** The record of the resources placed in this copy of the session (see prepare-workspace.ts). */
export const PREPARED_RECORD = 'prepared.json';
const preparedFile = (layout: SessionLayout) => path.join(layout.root, PREPARED_RECORD);

const DEFAULT_LIMITS: ScanLimits = { maxFiles: 1000, maxDepth: 32 };

/** The host directory a materialised resource lives under (the agent may write in the workspace). */
const hostRoot = (layout: SessionLayout, mountPath: string) =>
  workspaceRelative(mountPath) === undefined ? layout.resources : layout.workspace;

/** The request field an error about a resource's mount path names (`prefix` is e.g. `resources[0]`, or empty). */
const mountField = (prefix: string) => (prefix ? `${prefix}.mount_path` : 'mount_path');

export function localWorkspaces(
  workspacesDir: string,
  opts: { limits?: ScanLimits; repositoryRefusal?: (url: string) => string | undefined } = {},
): Workspaces {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const layoutOf = (sessionId: string) => sessionLayout(workspacesDir, sessionId);
  const preparedCache = new Map<string, { version: string; placed: Array<[string, string]>; placing: Array<[string, string]> }>();
  return {
    async placeFile(sessionId, at, open, field) {
      const layout = layoutOf(sessionId);
      await placeReadOnlyFile(hostRoot(layout, at.mount_path), resourceHostPath(layout, at), open, mountField(field));
    },

    async cloneRepository(sessionId, at, spec) {
      const layout = layoutOf(sessionId);
      // Checked again here: the session may have been created under other settings (or by another replica).
      const refusal = opts.repositoryRefusal?.(spec.url);
      if (refusal) throw new GitFailure('clone', spec.url, refusal, '');
      const staging = path.join(layout.root, '.staging', at.id);
      await fsp.mkdir(path.dirname(staging), { recursive: true });
      try {
        await cloneRepository({ url: spec.url, token: spec.token, checkout: spec.checkout, dest: staging });
        await placeDirectory(hostRoot(layout, at.mount_path), resourceHostPath(layout, at), staging, mountField(spec.field));
      } finally {
        await fsp.rm(staging, { recursive: true, force: true });
        await fsp.rmdir(path.dirname(staging)).catch(() => {}); // only once empty
      }
    },

    async prepared(sessionId) {
      // Read at every engine step: parsed once per version of the file (its inode, mtime and size). The stat is
      // synchronous (a few µs for a cached inode): a session without resources has no file, and the promise API's
      // ENOENT, an Error with its stack per step, plus the thread-pool hop were ~2 % of a tool round trip's CPU.
      const file = preparedFile(layoutOf(sessionId));
      const st = fs.statSync(file, { throwIfNoEntry: false });
      if (!st) {
        preparedCache.delete(sessionId);
        return undefined;
      }
      const version = `${st.ino}:${st.mtimeMs}:${st.size}`;
      let cached = preparedCache.get(sessionId);
      if (cached?.version !== version) {
        const text = await fsp.readFile(file, 'utf8').catch(() => undefined);
        if (text === undefined) return undefined;
        const saved = JSON.parse(text) as { placed?: unknown; placing?: unknown };
        const entries = (v: unknown) => (v && typeof v === 'object' ? Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string') : []);
        cached = { version, placed: entries(saved.placed), placing: entries(saved.placing) };
        preparedCache.set(sessionId, cached);
      }
      return { placed: new Map(cached.placed), placing: new Map(cached.placing) };
    },

    async holds(sessionId, at) {
      const layout = layoutOf(sessionId);
      return (await fsp.lstat(resourceHostPath(layout, at)).catch(() => undefined)) !== undefined;
    },

    async savePrepared(sessionId, record) {
      const layout = layoutOf(sessionId);
      await fsp.mkdir(layout.root, { recursive: true });
      const tmp = `${preparedFile(layout)}.tmp`;
      await fsp.writeFile(tmp, JSON.stringify({ placed: Object.fromEntries(record.placed), placing: Object.fromEntries(record.placing) }));
      await fsp.rename(tmp, preparedFile(layout));
      // What was just written is the current version, whatever its stat says.
      const st = await fsp.stat(preparedFile(layout));
      preparedCache.set(sessionId, { version: `${st.ino}:${st.mtimeMs}:${st.size}`, placed: [...record.placed], placing: [...record.placing] });
    },

    async removeResource(sessionId, at) {
      const layout = layoutOf(sessionId);
      await removeInside(hostRoot(layout, at.mount_path), resourceHostPath(layout, at));
    },

    async removeSession(sessionId) {
      // Nothing there is the only copy of anything a client sent (file resources are copies).
      preparedCache.delete(sessionId);
      await fsp.rm(layoutOf(sessionId).root, { recursive: true, force: true }).catch(() => {});
    },

    async syncOutputs(sessionId, capture) {
      const layout = layoutOf(sessionId);
      const realDir = await fsp.realpath(layout.outputs).catch(() => undefined);
      if (realDir === undefined) return; // the sandbox has not made it (no tool has run there yet)
      const index = await loadOutputIndex(layout);
      for (const file of await scanOutputs(realDir, limits)) {
        const known = index[file.rel];
        if (known && sameIdentity(known, file.stat)) continue;
        const opened = await openInside(realDir, file.abs);
        if (!opened) continue;
        const { handle, stat } = opened;
        try {
          const captured = await capture({
            rel: file.rel,
            previous: known && { fileId: known.fileId, sha256: known.sha256 },
            read: () => handle.createReadStream({ autoClose: false, start: 0 }),
          });
          if (!captured) continue;
          index[file.rel] = { ...captured, ...identityOf(stat) };
          await saveOutputIndex(layout, index);
        } finally {
          await handle.close();
        }
      }
    },

    memory: (sessionId, storeId) => localMemoryDirectory(memoryHostPath(layoutOf(sessionId), storeId)),

    placeSkill: (sessionId, name, zip) => placeSkill(layoutOf(sessionId).skills, name, zip),
  };
}

// Workspace snapshots with the real blob stores: the data directory's (SQLite) and the database's
// (PostgreSQL): base and layers, deletions, symlinks, modes, compaction, the cap, the lease fence,
// removal, and a restore that refuses paths out of the session.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import * as tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskBlobStore, type BlobStore } from '../../src/store/blob-store.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/types.js';
import { workspaceSnapshots, type SnapshotFence, type WorkspaceSnapshots } from '../../src/sandbox/workspace/workspace-snapshots.js';
import type { SnapshotPolicy } from '../../src/domain/workspace-snapshot-policy.js';
import pino from 'pino';
import { createPostgresDatabase, dialects } from '../helpers/databases.js';
import { packTree, unpackTree } from '../../src/sandbox/workspace/snapshot-archive.js';
import { scanTree } from '../../src/sandbox/workspace/snapshot-scan.js';
import { sessionRecord } from '../store/fixtures.js';

const quiet = pino({ level: 'silent' });

interface Harness {
  store: Store;
  blobs: BlobStore;
  tmp: string;
  cleanup(): Promise<void>;
}

async function open(dialect: 'sqlite' | 'postgres'): Promise<Harness> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-snap-'));
  if (dialect === 'sqlite') {
    const store = await openStore({ databaseUrl: undefined, dataDir: tmp });
    return { store, blobs: new DiskBlobStore(path.join(tmp, 'files')), tmp, cleanup: async () => { await store.close(); fs.rmSync(tmp, { recursive: true, force: true }); } };
  }
  const db = await createPostgresDatabase();
  const store = await openStore({ databaseUrl: db.url, dataDir: tmp });
  return {
    store,
    blobs: store.blobs!,
    tmp,
    cleanup: async () => {
      await store.close();
      await db.drop();
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** Everything under a session's snapshot tops, as comparable data (file bytes, modes, link targets). */
async function contents(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const visit = async (rel: string) => {
    const abs = path.join(root, rel);
    const st = await fsp.lstat(abs).catch(() => undefined);
    if (!st) return;
    const mode = (st.mode & 0o777).toString(8);
    if (st.isSymbolicLink()) out[rel] = `link ${await fsp.readlink(abs)}`;
    else if (st.isFile()) out[rel] = `file ${mode} ${await fsp.readFile(abs, 'utf8')}`;
    else if (st.isDirectory()) {
      out[rel] = `dir ${mode}`;
      for (const name of await fsp.readdir(abs)) await visit(`${rel}/${name}`);
    }
  };
  for (const top of ['workspace', 'outputs', 'resources']) await visit(top);
  return out;
}

describe('snapshot archives', () => {
  it('keep names past the 100/155-byte fields of tar headers, non-ASCII names and long symlink targets', async () => {
    const a = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-snap-long-a-'));
    const b = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-snap-long-b-'));
    try {
      const deep = path.join('workspace', ...Array.from({ length: 6 }, (_, i) => `dir-${i}-${'x'.repeat(50)}`), `é-ü-✓-${'y'.repeat(200)}.txt`);
      fs.mkdirSync(path.join(a, path.dirname(deep)), { recursive: true });
      fs.writeFileSync(path.join(a, deep), 'deep');
      fs.symlinkSync('t'.repeat(150), path.join(a, 'workspace', 'l'));
      const tree = await scanTree(a, ['workspace']);
      await unpackTree(b, packTree(a, tree, [...tree.keys()]), ['workspace']);
      expect(fs.readFileSync(path.join(b, deep), 'utf8')).toBe('deep');
      expect(fs.readlinkSync(path.join(b, 'workspace', 'l'))).toBe('t'.repeat(150));
    } finally {
      fs.rmSync(a, { recursive: true, force: true });
      fs.rmSync(b, { recursive: true, force: true });
    }
  });
});

for (const dialect of dialects()) {
  describe(`workspace snapshots (${dialect})`, () => {
    let h: Harness;
    let sessionId: string;
    let fence: SnapshotFence;
    let seen: unknown[];
    const policy: SnapshotPolicy = { maxBytes: 64 * 1024 * 1024, maxLayers: 3 };

    /** The snapshot module of one replica: its own workspaces directory, the shared store and blobs. */
    const replica = (name: string, p: SnapshotPolicy = policy): { snaps: WorkspaceSnapshots; root: string } => {
      const dir = path.join(h.tmp, name);
      return {
        snaps: workspaceSnapshots({ workspacesDir: dir, store: h.store, blobs: h.blobs, policy: p, logger: quiet, now: () => new Date().toISOString(), observe: (e) => seen.push(e) }),
        root: path.join(dir, sessionId),
      };
    };
    const write = async (root: string, rel: string, text: string, mode = 0o644) => {
      await fsp.mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await fsp.writeFile(path.join(root, rel), text, { mode });
      await fsp.chmod(path.join(root, rel), mode);
    };
    const rows = () => h.store.workspaceSnapshots.list(sessionId);

    beforeEach(async () => {
      h = await open(dialect);
      seen = [];
      const s = sessionRecord();
      await h.store.sessions.insert(s);
      sessionId = s.id;
      const token = await h.store.sessions.acquireLease(s.id, 'replica-a', new Date().toISOString(), new Date(Date.now() + 60_000).toISOString());
      fence = { owner: 'replica-a', token: token! };
    });
    afterEach(async () => {
      await h.cleanup();
    });

    it('writes a base, then layers of what changed (deletions included), nothing when nothing changed; another replica restores it all', async () => {
      const a = replica('a');
      await write(a.root, 'workspace/notes.txt', 'first');
      await write(a.root, 'workspace/bin/run.sh', '#!/bin/sh\necho hi\n', 0o755);
      await write(a.root, 'workspace/old/gone.txt', 'to be removed');
      await write(a.root, 'workspace/empty.txt', '');
      await write(a.root, 'outputs/report.md', '# report');
      await write(a.root, 'resources/repo/README', 'repo');
      await fsp.symlink('../../../../etc/passwd', path.join(a.root, 'workspace/outside-link'));
      await fsp.symlink('notes.txt', path.join(a.root, 'workspace/inside-link'));
      await fsp.mkdir(path.join(a.root, 'memory/memstore_x'), { recursive: true });
      await write(a.root, 'memory/memstore_x/m.md', 'memory is rebuilt from its store');

      const base = await a.snaps.snapshotWorkspace(sessionId, { eventSeq: 7, fence });
      expect(base).toMatchObject({ kind: 'base', generation: 1 });
      expect(await a.snaps.snapshotWorkspace(sessionId, { eventSeq: 8, fence })).toEqual({ kind: 'nothing' });

      await write(a.root, 'workspace/notes.txt', 'second version');
      await write(a.root, 'outputs/new.csv', 'a,b');
      await fsp.rm(path.join(a.root, 'workspace/old'), { recursive: true });
      await fsp.rm(path.join(a.root, 'workspace/empty.txt'));
      const layer = await a.snaps.snapshotWorkspace(sessionId, { eventSeq: 12, fence });
      expect(layer).toMatchObject({ kind: 'layer', generation: 2, deleted: 2 });
      const stored = await rows();
      expect(stored.map((r) => [r.kind, r.generation, r.eventSeq])).toEqual([
        ['base', 1, 7],
        ['layer', 2, 12],
      ]);
      expect(stored[1]!.deleted.sort()).toEqual(['workspace/empty.txt', 'workspace/old']);
      // Only what changed is in the layer: the new and changed files and the directories they are in.
      expect(stored[1]!.entries).toBeLessThan(stored[0]!.entries);

      const b = replica('b');
      expect(await b.snaps.restoreWorkspace(sessionId)).toBe(true);
      const restored = await contents(b.root);
      expect(restored).toEqual(await contents(a.root));
      expect(restored['workspace/outside-link']).toBe('link ../../../../etc/passwd');
      expect(restored['workspace/bin/run.sh']).toMatch(/^file 755 /);
      expect(restored['workspace/notes.txt']).toBe('file 644 second version');
      expect(restored['workspace/old']).toBeUndefined();
      expect(fs.existsSync(path.join(b.root, 'memory'))).toBe(false);
      // Up to date now: nothing to restore again; and B's next change is a layer over the same chain.
      expect(await b.snaps.restoreWorkspace(sessionId)).toBe(false);
      await write(b.root, 'workspace/from-b.txt', 'b');
      expect(await b.snaps.snapshotWorkspace(sessionId, { eventSeq: 20, fence })).toMatchObject({ kind: 'layer', generation: 3, deleted: 0 });
      // A's copy is behind now: it restores (replacing what it had) when it runs the session again.
      await write(a.root, 'workspace/stale.txt', 'only on a');
      expect(await a.snaps.restoreWorkspace(sessionId)).toBe(true);
      expect(await contents(a.root)).toEqual(await contents(b.root));
      expect(seen.filter((e) => (e as { type: string }).type === 'restore')).toHaveLength(2);
    });

    it('compacts layers into a new base after maxLayers and drops the superseded snapshots and blobs', async () => {
      const a = replica('a', { ...policy, maxLayers: 2 });
      await write(a.root, 'workspace/big.bin', 'x'.repeat(100_000));
      for (let i = 0; i < 3; i++) {
        await write(a.root, `workspace/small-${i}.txt`, `turn ${i}`);
        await a.snaps.snapshotWorkspace(sessionId, { eventSeq: i, fence });
      }
      expect((await rows()).map((r) => r.kind)).toEqual(['base', 'layer', 'layer']);
      const before = await rows();
      await write(a.root, 'workspace/small-3.txt', 'turn 3');
      expect(await a.snaps.snapshotWorkspace(sessionId, { eventSeq: 9, fence })).toMatchObject({ kind: 'base', generation: 4 });
      expect((await rows()).map((r) => [r.kind, r.generation])).toEqual([['base', 4]]);
      for (const r of before) expect(await h.blobs.open(r.blobKey)).toBeUndefined();
      const b = replica('b');
      await b.snaps.restoreWorkspace(sessionId);
      expect(await contents(b.root)).toEqual(await contents(a.root));
    });

    it('compacts when the layers weigh as much as the base', async () => {
      const a = replica('a', { ...policy, maxLayers: 100 });
      await write(a.root, 'workspace/small.txt', 'tiny');
      await a.snaps.snapshotWorkspace(sessionId, { eventSeq: 1, fence });
      const { randomBytes } = await import('node:crypto');
      await fsp.writeFile(path.join(a.root, 'workspace/noise.bin'), randomBytes(50_000)); // incompressible: the layer outweighs the base
      expect(await a.snaps.snapshotWorkspace(sessionId, { eventSeq: 2, fence })).toMatchObject({ kind: 'layer' });
      await write(a.root, 'workspace/small.txt', 'tiny 2');
      expect(await a.snaps.snapshotWorkspace(sessionId, { eventSeq: 3, fence })).toMatchObject({ kind: 'base', generation: 3 });
    });

    it('skips a workspace over the cap (logged and observed), keeping the last snapshot', async () => {
      const a = replica('a', { ...policy, maxBytes: 10_000 });
      await write(a.root, 'workspace/a.txt', 'small');
      await a.snaps.snapshotWorkspace(sessionId, { eventSeq: 1, fence });
      await write(a.root, 'workspace/huge.txt', 'y'.repeat(20_000));
      expect(await a.snaps.snapshotWorkspace(sessionId, { eventSeq: 2, fence })).toEqual({ kind: 'skipped', treeBytes: 20_005 });
      expect((await rows()).map((r) => r.generation)).toEqual([1]);
      expect(seen.at(-1)).toEqual({ type: 'snapshot', outcome: { kind: 'skipped', treeBytes: 20_005 } });
    });

    it('skips a workspace whose archive (incompressible bytes plus headers) is over the cap, cleanly', async () => {
      // Big enough that the archive waits for its reader when the write gives up on it.
      const a = replica('a', { ...policy, maxBytes: 4_000_000 });
      const { randomBytes } = await import('node:crypto');
      await fsp.mkdir(path.join(a.root, 'workspace'), { recursive: true });
      await fsp.writeFile(path.join(a.root, 'workspace/noise.bin'), randomBytes(3_999_990));
      expect(await a.snaps.snapshotWorkspace(sessionId, { eventSeq: 1, fence })).toEqual({ kind: 'skipped', treeBytes: 3_999_990 });
      expect(await rows()).toEqual([]);
    });

    it('records nothing for a replica that lost the lease', async () => {
      const a = replica('a');
      await write(a.root, 'workspace/a.txt', 'a');
      await h.store.sessions.acquireLease(sessionId, 'replica-b', new Date(Date.now() + 120_000).toISOString(), new Date(Date.now() + 180_000).toISOString());
      await expect(a.snaps.snapshotWorkspace(sessionId, { eventSeq: 1, fence })).rejects.toThrow(/lease/);
      expect(await rows()).toEqual([]);
    });

    it('removes rows and blobs with the session', async () => {
      const a = replica('a');
      await write(a.root, 'workspace/a.txt', 'a');
      await a.snaps.snapshotWorkspace(sessionId, { eventSeq: 1, fence });
      await write(a.root, 'workspace/b.txt', 'b');
      await a.snaps.snapshotWorkspace(sessionId, { eventSeq: 2, fence });
      const keys = (await rows()).map((r) => r.blobKey);
      expect(keys).toHaveLength(2);
      await a.snaps.removeSnapshots(sessionId);
      expect(await rows()).toEqual([]);
      for (const k of keys) expect(await h.blobs.open(k)).toBeUndefined();
    });

    describe('a restore never writes outside the session', () => {
      /** Stores a hand-made archive as the session's base snapshot. */
      const storeArchive = async (entries: { name: string; type?: 'file' | 'symlink' | 'directory'; linkname?: string; body?: string }[]) => {
        const pack = tar.pack();
        for (const e of entries) pack.entry({ name: e.name, type: e.type ?? 'file', mode: 0o644, ...(e.linkname ? { linkname: e.linkname } : {}) }, e.body ?? '');
        pack.finalize();
        const key = `wsnap_test${Math.random().toString(36).slice(2)}`;
        const bytes = await h.blobs.write(key, Readable.from(pack).pipe(zlib.createGzip()), 1e6);
        const generation = (await rows()).length + 1;
        await h.store.workspaceSnapshots.insert({ sessionId, generation, kind: 'base', blobKey: key, bytes, entries: entries.length, treeBytes: 0, deleted: [], eventSeq: 1, createdAt: new Date().toISOString() });
      };

      it.each([['../escape.txt'], ['workspace/../../escape.txt'], ['/tmp/escape.txt'], ['memory/x.md'], ['workspace/./x']])('refuses %s', async (name) => {
        await storeArchive([{ name, body: 'escaped' }]);
        await expect(replica('b').snaps.restoreWorkspace(sessionId)).rejects.toThrow(/unsafe path/);
        expect(fs.existsSync(path.join(h.tmp, 'escape.txt'))).toBe(false);
      });

      it('does not write through a symlink in the archive', async () => {
        const outside = path.join(h.tmp, 'outside');
        fs.mkdirSync(outside);
        await storeArchive([
          { name: 'workspace', type: 'directory' },
          { name: 'workspace/link', type: 'symlink', linkname: outside },
          { name: 'workspace/link/planted.txt', body: 'planted' },
        ]);
        const b = replica('b');
        expect(await b.snaps.restoreWorkspace(sessionId)).toBe(true);
        expect(fs.readdirSync(outside)).toEqual([]);
        expect(fs.readFileSync(path.join(b.root, 'workspace/link/planted.txt'), 'utf8')).toBe('planted');
      });

      it('refuses a deletion whose path leaves the session', async () => {
        const victim = path.join(h.tmp, 'victim.txt');
        fs.writeFileSync(victim, 'keep');
        await storeArchive([{ name: 'workspace/a.txt', body: 'a' }]);
        await h.store.workspaceSnapshots.insert({ sessionId, generation: 2, kind: 'layer', blobKey: (await rows())[0]!.blobKey, bytes: 1, entries: 0, treeBytes: 0, deleted: ['workspace/../../victim.txt'], eventSeq: 2, createdAt: new Date().toISOString() });
        await expect(replica('b').snaps.restoreWorkspace(sessionId)).rejects.toThrow(/unsafe path/);
        expect(fs.readFileSync(victim, 'utf8')).toBe('keep');
      });
    });
  });
}

// `npx tsx bench/workspace-snapshots.ts`: what workspace snapshots cost at the end of a turn, in
// process, with the snapshot module of src/sandbox/workspace against a real blob store (the files
// directory, SQLite's; and PostgreSQL, the replicas') and a scratch PostgreSQL database next to
// AGENTD_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test). A ~100 MiB workspace
// (400 files of 256 KiB, half random bytes, half text) is snapshotted whole (the base), then TURNS
// turns each change one 4 KiB file (a layer each, compacted per the default policy), then a turn
// that changes nothing; a fresh replica then restores it. Prints a table; see docs/benchmarks.md.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { DiskBlobStore, type BlobStore } from '../src/store/blob-store.js';
import { openPostgresStore } from '../src/store/postgres/open-postgres-store.js';
import type { Store } from '../src/store/types.js';
import { workspaceSnapshots, type SnapshotOutcome } from '../src/sandbox/workspace/workspace-snapshots.js';
import { assertLoopback, createDatabase } from './lib/databases.js';
import { sessionRecord } from '../test/store/fixtures.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const FILES = 400;
const FILE_BYTES = 256 * KiB;
const TURNS = Number(process.env.AGENTD_BENCH_TURNS ?? 22);
const adminUrl = process.env.AGENTD_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
assertLoopback(adminUrl);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const WORDS = ['const', 'return', 'function', 'import', 'export', 'await', 'value', 'session', 'workspace', 'snapshot', '=>', '{', '}', ';'];

function textBytes(n: number): Buffer {
  const parts: string[] = [];
  let size = 0;
  while (size < n) {
    const line = Array.from({ length: 8 }, () => WORDS[Math.floor(Math.random() * WORDS.length)]).join(' ') + '\n';
    parts.push(line);
    size += line.length;
  }
  return Buffer.from(parts.join('')).subarray(0, n);
}

async function makeWorkspace(root: string): Promise<void> {
  for (let i = 0; i < FILES; i++) {
    const dir = path.join(root, 'workspace', `dir-${i % 20}`);
    await fsp.mkdir(dir, { recursive: true });
    await fsp.writeFile(path.join(dir, `file-${i}.${i % 2 ? 'bin' : 'txt'}`), i % 2 ? randomBytes(FILE_BYTES) : textBytes(FILE_BYTES));
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

const bytesOf = (o: SnapshotOutcome) => (o.kind === 'base' || o.kind === 'layer' ? o.bytes : 0);
const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;

async function measure(name: string, store: Store, blobs: BlobStore, tmp: string): Promise<string> {
  const sessionId = `sesn_bench${randomBytes(6).toString('hex')}`;
  await store.sessions.insert(sessionRecord(0, { id: sessionId }));
  const token = (await store.sessions.acquireLease(sessionId, 'bench', new Date().toISOString(), new Date(Date.now() + 3_600_000).toISOString()))!;
  const fence = { owner: 'bench', token };
  const snaps = (dir: string) =>
    workspaceSnapshots({ workspacesDir: dir, store, blobs, policy: { maxBytes: 2048 * MiB, maxLayers: 20 }, logger: pino({ level: 'silent' }), now: () => new Date().toISOString() });
  const a = snaps(path.join(tmp, 'a'));
  const root = path.join(tmp, 'a', sessionId);
  await makeWorkspace(root);

  const [base, baseMs] = await timed(() => a.snapshotWorkspace(sessionId, { eventSeq: 1, fence }));
  const turns: { ms: number; bytes: number; kind: string }[] = [];
  for (let t = 0; t < TURNS; t++) {
    await fsp.writeFile(path.join(root, 'workspace', 'dir-0', 'notes.md'), textBytes(4 * KiB));
    const [o, ms] = await timed(() => a.snapshotWorkspace(sessionId, { eventSeq: t + 2, fence }));
    turns.push({ ms, bytes: bytesOf(o), kind: o.kind });
  }
  const [, unchangedMs] = await timed(() => a.snapshotWorkspace(sessionId, { eventSeq: 99, fence }));
  const layers = turns.filter((t) => t.kind === 'layer');
  const compactions = turns.filter((t) => t.kind === 'base');
  const [, restoreMs] = await timed(() => snaps(path.join(tmp, 'b')).restoreWorkspace(sessionId));
  const chain = await store.workspaceSnapshots.list(sessionId);
  return [
    `| ${name} | base (${mib(FILE_BYTES * FILES)} of files) | ${baseMs.toFixed(0)} ms | ${mib(bytesOf(base))} |`,
    `| ${name} | turn changing one 4 KiB file: layer (median of ${layers.length}) | ${median(layers.map((t) => t.ms)).toFixed(0)} ms | ${(median(layers.map((t) => t.bytes)) / KiB).toFixed(1)} KiB |`,
    ...(compactions.length ? [`| ${name} | the same turn when it compacts into a new base (${compactions.length} of ${TURNS}) | ${median(compactions.map((t) => t.ms)).toFixed(0)} ms | ${mib(median(compactions.map((t) => t.bytes)))} |`] : []),
    `| ${name} | turn that changed nothing (scan only) | ${unchangedMs.toFixed(0)} ms | 0 |`,
    `| ${name} | restore on a fresh replica (base + ${chain.length - 1} layers) | ${restoreMs.toFixed(0)} ms | ${mib(chain.reduce((n, r) => n + r.bytes, 0))} read |`,
  ].join('\n');
}


const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-bench-snapshots-'));
const db = await createDatabase(adminUrl);
const store = await openPostgresStore(db.url);
try {
  console.log('| blob store | what | time | written |\n|---|---|---:|---:|');
  console.log(await measure('files directory', store, new DiskBlobStore(path.join(tmp, 'files')), path.join(tmp, 'disk')));
  console.log(await measure('PostgreSQL', store, store.blobs!, path.join(tmp, 'pg')));
} finally {
  await store.close();
  await db.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
}

// `npx tsx bench/blob-store.ts`: file bytes in the files directory (SQLite's store) against file
// bytes in PostgreSQL and in an S3-compatible bucket (the replicas' stores), in process: write (from
// 64 KiB pieces, as an upload arrives), read to the end, and copy, for a 1 MiB and a 64 MiB blob.
// The database is a scratch one next to AGENTD_BENCH_DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/test); the bucket is on s3rver, a real S3-compatible server
// started on loopback (its own disk writes and MD5s are in the figures). Prints medians of 3 runs
// and MiB/s; see docs/benchmarks.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { DiskBlobStore, type BlobStore } from '../src/store/blob-store.js';
import { openPostgresStore } from '../src/store/postgres/open-postgres-store.js';
import { assertLoopback, createDatabase } from './lib/databases.js';
import { parseBlobTarget } from '../src/config/blob-target.js';
import { openS3BlobStore } from '../src/store/s3-blob-store.js';
import { startTestS3 } from '../test/helpers/s3.js';

const MiB = 1024 * 1024;
const SIZES = [1, 64];
const RUNS = 3;
const adminUrl = process.env.AGENTD_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
assertLoopback(adminUrl);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function pieces(bytes: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < bytes.length; i += 65536) yield bytes.subarray(i, i + 65536);
    })(),
  );
}

async function drain(stream: Readable): Promise<void> {
  for await (const _ of stream);
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function measure(name: string, blobs: BlobStore): Promise<void> {
  for (const size of SIZES) {
    const bytes = randomBytes(size * MiB);
    const w: number[] = [];
    const r: number[] = [];
    const c: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const key = `file_bench_${size}_${i}`;
      w.push(await time(() => blobs.write(key, pieces(bytes), Infinity)));
      r.push(await time(() => drain(blobs.read(key))));
      c.push(await time(() => blobs.copy(key, `${key}_copy`)));
      await blobs.remove(key);
      await blobs.remove(`${key}_copy`);
    }
    const row = (xs: number[]) => `${median(xs).toFixed(1)} ms (${((size / median(xs)) * 1000).toFixed(0)} MiB/s)`;
    console.log(`| ${name} | ${size} MiB | ${row(w)} | ${row(r)} | ${row(c)} |`);
  }
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-bench-blobs-'));
const db = await createDatabase(adminUrl);
const store = await openPostgresStore(db.url);
const s3 = await startTestS3('agentd-bench');
const target = parseBlobTarget(s3.env('bench'));
if (target.kind !== 's3') throw new Error('not an S3 target');
const bucket = await openS3BlobStore(target);
try {
  console.log('| store | size | write | read | copy |\n|---|---|---:|---:|---:|');
  await measure('files directory', new DiskBlobStore(dir));
  await measure('PostgreSQL', store.blobs!);
  await measure('S3 (s3rver, loopback)', bucket);
} finally {
  bucket.close();
  await s3.close();
  await store.close();
  await db.drop();
  fs.rmSync(dir, { recursive: true, force: true });
}

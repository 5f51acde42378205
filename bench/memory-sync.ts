// `npx tsx bench/memory-sync.ts`: what memory stores add to a cloud session's built-in tool calls,
// in process (SQLite, local workspaces, no server): placing a store before the first call, and the
// sync around every later call when nothing changed, when the agent changed one file, and when
// one memory changed through the API. Prints one table; see docs/benchmarks.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { newId } from '../src/api/ids.js';
import { createMemory, updateMemory } from '../src/commands/memory-stores/memories.js';
import { createMemoryStore } from '../src/commands/memory-stores/memory-stores.js';
import { syncMemoryMounts } from '../src/commands/session-memory-sync.js';
import { prepareMounts } from '../src/commands/session-mounts.js';
import { EventLog } from '../src/events/event-log.js';
import { InProcessEventBus } from '../src/events/event-bus.js';
import { memoryHostPath, sessionLayout } from '../src/sandbox/session-layout.js';
import { localWorkspaces } from '../src/sandbox/workspace/local-workspaces.js';
import { DiskBlobStore } from '../src/store/blob-store.js';
import { ActorType } from '../src/store/memory-types.js';
import { openSqliteStore } from '../src/store/sqlite/open-sqlite-store.js';
import type { SessionRecord } from '../src/store/types.js';
import { DEFAULT_WORKSPACE_ID } from '../src/store/workspace.js';

const SIZES = [100, 2000];
const RUNS = 15;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-bench-memory-'));
const store = await openSqliteStore(path.join(dir, 'agentd.db'));
const ctx = {
  store,
  log: new EventLog(store, new InProcessEventBus()),
  blobs: new DiskBlobStore(path.join(dir, 'files')),
  now: () => new Date().toISOString(),
  workspaces: localWorkspaces(path.join(dir, 'workspaces')),
  logger: pino({ level: 'silent' }),
  modelProvider: 'anthropic' as const,
};
const api = { type: ActorType.api, id: 'apikey_bench' } as const;
const rows: string[] = [];
try {
  for (const size of SIZES) {
    const memoryStore = await createMemoryStore(ctx, DEFAULT_WORKSPACE_ID, { name: `bench ${size}` });
    let first = '';
    for (let i = 0; i < size; i++) {
      const m = await createMemory(ctx, DEFAULT_WORKSPACE_ID, memoryStore.id, { path: `/dir${i % 20}/note-${i}.md`, content: `note ${i}\n`.repeat(100) }, api);
      first ||= m.id;
    }
    const placements: number[] = [];
    const idle: number[] = [];
    const agentEdit: number[] = [];
    const apiEdit: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const session = {
        id: newId('sesn'),
        workspaceId: DEFAULT_WORKSPACE_ID,
        agent: { skills: [] },
        resources: [
          {
            resource: {
              type: 'memory_store',
              memory_store_id: memoryStore.id,
              access: 'read_write',
              name: memoryStore.name,
              description: '',
              instructions: null,
              mount_path: '/mnt/memory/bench',
            },
          },
        ],
      } as unknown as SessionRecord;
      placements.push(await time(() => prepareMounts(ctx, session)));
      idle.push(await time(() => syncMemoryMounts(ctx, session)));
      const file = path.join(memoryHostPath(sessionLayout(path.join(dir, 'workspaces'), session.id), memoryStore.id), 'dir0', 'note-0.md');
      fs.appendFileSync(file, `edit ${run}\n`);
      agentEdit.push(await time(() => syncMemoryMounts(ctx, session)));
      await updateMemory(ctx, DEFAULT_WORKSPACE_ID, memoryStore.id, first, { content: `api edit ${run}\n` }, api);
      apiEdit.push(await time(() => syncMemoryMounts(ctx, session)));
      fs.rmSync(sessionLayout(path.join(dir, 'workspaces'), session.id).root, { recursive: true, force: true });
    }
    const ms = (xs: number[]) => `${median(xs).toFixed(1)} ms`;
    rows.push(`| ${size.toLocaleString('en')} × 1 kB | ${ms(placements)} | ${ms(idle)} | ${ms(agentEdit)} | ${ms(apiEdit)} |`);
  }
  console.log('| store | place (first call) | sync, nothing changed | sync, agent edited 1 file | sync, 1 memory changed via API |');
  console.log('|---|---:|---:|---:|---:|');
  for (const row of rows) console.log(row);
  console.log(`(medians of ${RUNS} runs; load average ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores)`);
} finally {
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

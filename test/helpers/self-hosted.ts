// Self-hosted workers for tests: the SDK's EnvironmentWorker (test/sandbox/fixtures/worker.mjs)
// as a separate Node 22 process in its own process group, its key from `agentd environments key`.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { AGENTD_BIN } from './agentd-process.js';
import { node22 } from './node22.js';
import { TEST_API_KEY } from './server.js';
import type { StreamEvent } from './turns.js';

const WORKER = path.resolve('test/sandbox/fixtures/worker.mjs');

export interface Worker {
  child: ChildProcess;
  output: () => string;
  exited: Promise<void>;
}

/** `agentd environments key <env>` against the server; the key is the last line of stdout. */
export async function keyFromCli(url: string, environmentId: string): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, [AGENTD_BIN, 'environments', 'key', environmentId], {
    env: { PATH: process.env.PATH ?? '', AGENTD_URL: url, AGENTD_API_KEY: TEST_API_KEY },
  });
  const key = stdout.trim().split('\n').at(-1) ?? '';
  expect(key).toMatch(/^sk-agentd-envkey-/);
  return key;
}

export interface WorkerOptions {
  /** A command the worker runs under (e.g. bwrap and its options), before the node binary. */
  wrap?: string[];
  /** More variables for worker.mjs (e.g. WORKER_MAX_IDLE_MS). */
  env?: Record<string, string>;
}

export function startWorker(url: string, environmentId: string, key: string, workdir: string, opts: WorkerOptions = {}): Worker {
  const [command, ...args] = [...(opts.wrap ?? []), node22(), WORKER];
  // Its own process group, so a SIGKILL takes the worker's bash with it, as a dying host would.
  const child = spawn(command!, args, {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: os.homedir(),
      AGENTD_URL: url,
      ANTHROPIC_ENVIRONMENT_ID: environmentId,
      ANTHROPIC_ENVIRONMENT_KEY: key,
      WORKER_DIR: workdir,
      ANTHROPIC_LOG: 'info',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, output: () => out, exited };
}

export function killGroup(w: Worker, signal: NodeJS.Signals): void {
  if (w.child.exitCode !== null || w.child.signalCode !== null) return;
  try {
    process.kill(-w.child.pid!, signal);
  } catch {
    // already gone
  }
}

export const toolResults = (events: StreamEvent[]) =>
  events.filter((e): e is Extract<StreamEvent, { type: 'user.tool_result' }> => e.type === 'user.tool_result');

export const textOf = (e: { content?: Array<{ type: string; text?: string }> }) =>
  (e.content ?? []).map((b) => (b.type === 'text' ? b.text : '')).join('');

/** Polls `probe` until it returns a value (bounded). */
export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface WorkerPool {
  /** Starts a worker with a fresh workdir (removed after the describe block); returns both. */
  start(url: string, environmentId: string, key: string, opts?: WorkerOptions): { worker: Worker; workdir: string };
}

/**
 * Workers for the enclosing describe block: the pinned Node 22 is installed before it starts,
 * every worker's output is printed when a test fails (or with AGENTD_TEST_LOG), and afterwards
 * every worker is killed and its workdir removed.
 */
export function useWorkers(): WorkerPool {
  const workers: Worker[] = [];
  const dirs: string[] = [];
  beforeAll(() => {
    node22(); // installs the pinned Node 22 on first use, outside any test's timeout
  }, 300_000);
  afterEach((ctx) => {
    if (ctx.task.result?.state === 'fail' || process.env.AGENTD_TEST_LOG) {
      for (const [i, w] of workers.entries()) console.error(`--- worker ${i} output ---\n${w.output()}`);
    }
  });
  afterAll(async () => {
    for (const w of workers) killGroup(w, 'SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    start(url, environmentId, key, opts = {}) {
      const workdir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-worker-')));
      dirs.push(workdir);
      const worker = startWorker(url, environmentId, key, workdir, opts);
      workers.push(worker);
      return { worker, workdir };
    },
  };
}

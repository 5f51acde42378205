// Several real `agentd serve` processes on one fresh PostgreSQL database: the replicas of the
// scale-out tests. Each has its own data directory and port; they share only the database.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { createPostgresDatabase } from './databases.js';
import { spawnAgentd, freePort, waitForHealth, type AgentdProcess } from './agentd-process.js';

export interface Replica {
  readonly name: string;
  readonly url: string;
  readonly dataDir: string;
  client: Anthropic;
  proc: AgentdProcess | undefined;
  /** Starts (or restarts) the process on the same port and data directory. */
  start(): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export interface ReplicaOptions {
  databaseUrl: string;
  /** Variables for every replica (AGENTD_API_KEY, ANTHROPIC_BASE_URL...). */
  env: Record<string, string>;
  /** Extra `agentd serve` arguments, e.g. ['--role', 'api']. */
  args?: string[];
  /** The key the replica's SDK client sends (default env.AGENTD_API_KEY). */
  apiKey?: string;
}

export async function startReplica(name: string, opts: ReplicaOptions): Promise<Replica> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `agentd-replica-${name}-`));
  const url = `http://127.0.0.1:${port}`;
  const replica: Replica = {
    name,
    url,
    dataDir,
    client: new Anthropic({ baseURL: url, apiKey: opts.apiKey ?? opts.env.AGENTD_API_KEY ?? 'unset', maxRetries: 0 }),
    proc: undefined,
    async start() {
      replica.proc = spawnAgentd(
        ['--port', String(port), '--data-dir', dataDir, '--database-url', opts.databaseUrl, ...(opts.args ?? [])],
        { AGENTD_WORKSPACES_DIR: path.join(dataDir, 'ws'), AGENTD_RETRY_BASE_MS: '20', ...opts.env },
      );
      await waitForHealth(url);
    },
    async kill(signal = 'SIGKILL') {
      const p = replica.proc;
      if (!p) return;
      replica.proc = undefined;
      if (p.child.exitCode !== null || p.child.signalCode !== null) return;
      p.child.kill(signal);
      await p.exited;
    },
  };
  await replica.start();
  return replica;
}

/** Kills every replica and removes their data directories. */
export async function stopReplicas(replicas: readonly Replica[]): Promise<void> {
  for (const r of replicas) {
    r.proc?.child.kill('SIGCONT');
    await r.kill('SIGKILL');
    fs.rmSync(r.dataDir, { recursive: true, force: true });
  }
}

/**
 * For a describe block: a fresh PostgreSQL database created before its tests and dropped after
 * them, once every replica pushed onto `replicas` is stopped.
 */
export function replicaDatabase(): { url(): string; replicas: Replica[] } {
  const replicas: Replica[] = [];
  let db: Awaited<ReturnType<typeof createPostgresDatabase>> | undefined;
  beforeAll(async () => {
    db = await createPostgresDatabase();
  });
  afterAll(async () => {
    await stopReplicas(replicas);
    await db?.drop();
  });
  return { url: () => db!.url, replicas };
}

/**
 * Replicas on the scripted model with a short lease and sweep, so a takeover happens within the test
 * (the defaults, 10 s and 2 s, are documented in docs/scaling.md).
 */
export function shortLeaseEnv(apiKey: string, modelUrl: string): Record<string, string> {
  return { AGENTD_API_KEY: apiKey, ANTHROPIC_BASE_URL: modelUrl, ANTHROPIC_API_KEY: 'sk-model', AGENTD_LEASE_MS: '2000', AGENTD_LEASE_SWEEP_MS: '300' };
}

/**
 * For a describe block: replicas named `names` on a fresh database (the first started alone, so it
 * migrates the schema, then the rest together), and a client on that database for checking rows.
 * `env` is read when they start, so it may refer to fixtures started before (the fake model's URL).
 */
export function replicaCluster(names: readonly string[], env: () => Record<string, string>): { replicas: Replica[]; db(): pg.Client } {
  const database = replicaDatabase();
  let client: pg.Client | undefined;
  beforeAll(async () => {
    const opts = { databaseUrl: database.url(), env: env() };
    database.replicas.push(await startReplica(names[0]!, opts));
    database.replicas.push(...(await Promise.all(names.slice(1).map((name) => startReplica(name, opts)))));
    client = new pg.Client({ connectionString: database.url() });
    await client.connect();
  }, 120_000);
  afterAll(async () => {
    await client?.end();
  });
  return { replicas: database.replicas, db: () => client! };
}

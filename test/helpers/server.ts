// Starts a real agentd server on loopback (port 0) for a test, with the official SDK as client.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import pino from 'pino';
import { loadConfig } from '../../src/config/config.js';
import { startServer, type RunningServer } from '../../src/services/server.js';
import { createPostgresDatabase, type Dialect } from './databases.js';
import type { Clock } from '../../src/domain/clock.js';
import { replayRecorder } from './replay-recorder.js';

export const TEST_API_KEY = 'sk-agentd-test-key';

export interface TestServer {
  readonly url: string;
  readonly client: Anthropic;
  readonly dataDir: string;
  /** The PostgreSQL database's URL (undefined on SQLite, whose file is in dataDir); another server may share it. */
  readonly databaseUrl: string | undefined;
  readonly server: RunningServer;
  /** Stops the server and starts a new one on the same data (dir and database). */
  restart(): Promise<void>;
  /** A client with a different key (or none). */
  clientWith(opts: { apiKey?: string | null; authToken?: string | null }): Anthropic;
  close(): Promise<void>;
}

export interface TestServerOptions {
  env?: Record<string, string>;
  /**
   * A fake Messages API to run agent loops against. Without one the engine is off, and the
   * server only records events (what control-plane tests want to observe).
   */
  model?: { url: string };
  /** The server's clock (e.g. a ManualClock from manual-clock.ts); the system clock otherwise. */
  clock?: Clock;
  /** Share this PostgreSQL database (another test server's `databaseUrl`) instead of a fresh one; not dropped on close. */
  databaseUrl?: string;
  /**
   * Receives every server log line at trace level (tests scan them for secrets), written by the
   * logger agentd builds itself (with its request / session id mixin).
   */
  logSink?: (line: string) => void;
}

export const TEST_MODEL_KEY = 'sk-test-model-key';

export async function startTestServer(dialect: Dialect, opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-test-'));
  const pgdb = opts.databaseUrl
    ? { url: opts.databaseUrl, drop: async () => {} }
    : dialect === 'postgres'
      ? await createPostgresDatabase()
      : undefined;
  const engineEnv: Record<string, string> = opts.model
    ? {
        ANTHROPIC_BASE_URL: opts.model.url,
        ANTHROPIC_API_KEY: TEST_MODEL_KEY,
        AGENTD_RETRY_BASE_MS: '20',
        AGENTD_RETRY_MAX_MS: '100',
      }
    : { AGENTD_ENGINE: 'off' };
  const env = { AGENTD_API_KEY: TEST_API_KEY, ...engineEnv, ...(opts.logSink ? { AGENTD_LOG_LEVEL: 'trace' } : {}), ...opts.env };
  let port = '0';
  const recordTo = process.env.AGENTD_RECORD_REPLAY;
  const recorder = recordTo && dialect === 'sqlite' ? replayRecorder(recordTo) : undefined;
  const boot = async () => {
    const config = loadConfig({ host: '127.0.0.1', port, dataDir, databaseUrl: pgdb?.url }, env);
    return startServer(config, {
      ...(opts.logSink
        ? { logDestination: { write: (line: string) => opts.logSink!(line) } }
        : { logger: pino({ level: process.env.AGENTD_TEST_LOG ?? 'silent' }) }),
      ...(opts.clock ? { clock: opts.clock } : {}),
      ...(recorder ? { observeSteps: recorder.observe } : {}),
    });
  };
  let server = await boot();
  port = new URL(server.url).port; // restarts keep the URL so existing clients still work
  const makeClient = (o: { apiKey?: string | null; authToken?: string | null }) =>
    new Anthropic({ baseURL: server.url, maxRetries: 0, timeout: 30_000, ...o });
  const t: TestServer = {
    get url() {
      return server.url;
    },
    client: makeClient({ apiKey: TEST_API_KEY }),
    dataDir,
    databaseUrl: pgdb?.url,
    get server() {
      return server;
    },
    restart: async () => {
      await server.close();
      // Let the client's connection pool see the old sockets close before reusing them.
      await new Promise((r) => setTimeout(r, 50));
      server = await boot();
    },
    clientWith: makeClient,
    close: async () => {
      await recorder?.flush(server.store);
      await server.close();
      await pgdb?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}

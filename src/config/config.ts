// Configuration: flags > environment > defaults, parsed once into a frozen typed Config.
import path from 'node:path';

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** A postgres:// URL selects PostgreSQL; otherwise SQLite at `<dataDir>/agentd.db`. */
  readonly databaseUrl: string | undefined;
  /** Keys from AGENTD_API_KEY; empty means "generate one into the data dir on first start". */
  readonly apiKeys: readonly string[];
  /** Where uploaded file bytes live (default `<dataDir>/files`). */
  readonly filesDir: string;
  /** Largest JSON request body accepted, in bytes. */
  readonly maxBodyBytes: number;
  /** Largest file upload accepted, in bytes. */
  readonly maxFileBytes: number;
  /** Interval between SSE heartbeats. */
  readonly heartbeatMs: number;
  /** Requests per minute per API key on /v1/*; undefined (the default) means unlimited. */
  readonly rateLimitPerMinute: number | undefined;
  readonly logLevel: string;
}

export interface ServeFlags {
  host?: string | undefined;
  port?: string | undefined;
  dataDir?: string | undefined;
  databaseUrl?: string | undefined;
}

const MiB = 1024 * 1024;

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid port "${raw}": expected an integer from 0 to 65535`);
  }
  return port;
}

function positiveInt(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`invalid ${name} "${raw}": expected a positive integer`);
  return n;
}

export function loadConfig(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = path.resolve(flags.dataDir ?? env.AGENTD_DATA_DIR ?? './.agentd');
  const databaseUrl = flags.databaseUrl ?? env.DATABASE_URL;
  const apiKeys = (env.AGENTD_API_KEY ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
  return Object.freeze({
    host: flags.host ?? env.AGENTD_HOST ?? '127.0.0.1',
    port: parsePort(flags.port ?? env.AGENTD_PORT ?? '4600'),
    dataDir,
    databaseUrl: databaseUrl === '' ? undefined : databaseUrl,
    apiKeys: Object.freeze(apiKeys),
    filesDir: path.resolve(env.AGENTD_FILES_DIR ?? path.join(dataDir, 'files')),
    maxBodyBytes: positiveInt(env.AGENTD_MAX_BODY_BYTES, 32 * MiB, 'AGENTD_MAX_BODY_BYTES'),
    maxFileBytes: positiveInt(env.AGENTD_MAX_FILE_BYTES, 500 * MiB, 'AGENTD_MAX_FILE_BYTES'),
    heartbeatMs: positiveInt(env.AGENTD_HEARTBEAT_MS, 15_000, 'AGENTD_HEARTBEAT_MS'),
    rateLimitPerMinute: env.AGENTD_RATE_LIMIT_PER_MINUTE
      ? positiveInt(env.AGENTD_RATE_LIMIT_PER_MINUTE, 0, 'AGENTD_RATE_LIMIT_PER_MINUTE')
      : undefined,
    logLevel: env.AGENTD_LOG_LEVEL ?? 'info',
  });
}

export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//.test(url);
}

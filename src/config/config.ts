// Configuration: flags > environment > defaults, parsed once into a frozen typed Config.
import path from 'node:path';
import { parseBlobTarget, type BlobTarget } from './blob-target.js';

/** What a process does: everything, only the API (no loops), or only the loops (no API). */
export const ROLES = ['all', 'api', 'engine'] as const;
export type Role = (typeof ROLES)[number];

export interface Config {
  /** --role / AGENTD_ROLE: `api` runs no engine, scheduler or dispatcher loops; `engine` serves only /health and /metrics. */
  readonly role: Role;
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** A postgres:// URL selects PostgreSQL; sqlite:<path> an SQLite file; unset, SQLite at `<dataDir>/agentd.db` (see databaseTarget). */
  readonly databaseUrl: string | undefined;
  /** Keys from AGENTD_API_KEY; empty means "generate one into the data dir on first start". */
  readonly apiKeys: readonly string[];
  /** Where uploaded file bytes live (default `<dataDir>/files`). */
  readonly filesDir: string;
  /** AGENTD_BLOB_URL: an S3-compatible bucket for file bytes, or the default (database on PostgreSQL, filesDir on SQLite). */
  readonly blobs: BlobTarget;
  /** Largest JSON request body accepted, in bytes. */
  readonly maxBodyBytes: number;
  /** Largest file upload accepted, in bytes. */
  readonly maxFileBytes: number;
  /** The most a skill's files may add up to, uploaded or unpacked, in bytes. */
  readonly maxSkillBytes: number;
  /** AGENTD_PUBLIC_URL: this server's URL as self-hosted workers reach it (default: the URL a poll came in on). */
  readonly publicUrl: string | undefined;
  /** AGENTD_SECRET_KEY: the key sealing vault secrets (32 bytes, hex or base64); unset, `<dataDir>/secret.key` (generated, mode 0600). */
  readonly secretKey: string | undefined;
  /** MCP servers of agents and OAuth token endpoints of vault credentials (docs/vaults.md). */
  readonly mcp: McpConfig;
  /** Interval between SSE heartbeats. */
  readonly heartbeatMs: number;
  /** Bytes an SSE connection may have queued before the server waits for the client (AGENTD_SSE_MAX_BUFFER_BYTES). */
  readonly sseMaxBufferBytes: number;
  /** How long an SSE connection's queued bytes may wait without progress before it is disconnected (AGENTD_SSE_STALL_MS). */
  readonly sseStallMs: number;
  /** How long a self-hosted worker's lease on a work item lasts without a heartbeat (seconds). */
  readonly workLeaseTtlSeconds: number;
  /** Requests per minute per API key on /v1/*; undefined (the default) means unlimited. */
  readonly rateLimitPerMinute: number | undefined;
  readonly logLevel: string;
  /** AGENTD_LOG_FORMAT: `json` (one object a line) or `pretty` (for people); unset, pretty on a terminal, JSON otherwise. */
  readonly logFormat: (typeof LOG_FORMATS)[number] | undefined;
  readonly engine: EngineConfig;
  readonly sandbox: SandboxConfig;
  readonly gateway: GatewayConfig;
  readonly scheduler: SchedulerConfig;
  readonly webhooks: WebhookConfig;
  /** OpenTelemetry traces (OTEL_* variables; see docs/observability.md#traces). */
  readonly tracing: TracingConfig;
}

export const PRIVATE_TARGET_MODES = ['refuse', 'loopback', 'allow'] as const;

/** Webhook delivery (docs/webhooks.md). */
/** The OTLP/HTTP exporter configured by the standard OTEL_* variables (none: spans are not exported there). */
export interface TracingConfig {
  /** `service.name` of the spans (OTEL_SERVICE_NAME, default `agentd`). */
  readonly serviceName: string;
  /** The traces URL (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_EXPORTER_OTLP_ENDPOINT + `/v1/traces`). */
  readonly endpoint: string | undefined;
  /** OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL: `http/protobuf` (default) or `http/json`. */
  readonly protocol: OtlpProtocol;
  /** OTEL_EXPORTER_OTLP_(TRACES_)HEADERS, `name=value` pairs separated by commas. */
  readonly headers: Readonly<Record<string, string>>;
  /** OTEL_BSP_SCHEDULE_DELAY: how long spans wait to be sent in a batch, ms (default 5000). */
  readonly batchDelayMs: number;
  /** OTEL_BSP_MAX_QUEUE_SIZE: spans held per exporter at most; more are dropped and counted (default 2048). */
  readonly maxQueueSize: number;
  /** AGENTD_TELEMETRY_DISABLE_AFTER_SECONDS: a destination failing this long without a success is disabled (default 1 day). */
  readonly destinationDisableAfterMs: number;
}

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface WebhookConfig {
  /** AGENTD_WEBHOOK_PRIVATE_TARGETS: `loopback` (default: loopback allowed, other private addresses refused), `refuse` both, or `allow` all. */
  readonly privateTargets: (typeof PRIVATE_TARGET_MODES)[number];
  /** AGENTD_WEBHOOK_TIMEOUT_MS: how long one delivery attempt may take (a deadline, not an idle timeout). */
  readonly timeoutMs: number;
  /** AGENTD_WEBHOOK_RETRY_BASE_MS / _MAX_MS: exponential backoff with jitter between attempts. */
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** AGENTD_WEBHOOK_MAX_ATTEMPTS: attempts per delivery before it is given up. */
  readonly maxAttempts: number;
  /** AGENTD_WEBHOOK_DISABLE_AFTER: consecutive failed attempts that disable an endpoint. */
  readonly disableAfter: number;
  /** AGENTD_WEBHOOK_POLL_MS: the longest the dispatcher waits before looking at the outbox again. */
  readonly pollMs: number;
}

function parsePrivateTargets(raw: string | undefined): WebhookConfig['privateTargets'] {
  // Loopback by default: local receivers work (as the API's docs promise); other private targets are refused.
  const value = raw === undefined || raw === '' ? 'loopback' : raw;
  if (!(PRIVATE_TARGET_MODES as readonly string[]).includes(value)) {
    throw new Error(`AGENTD_WEBHOOK_PRIVATE_TARGETS must be one of ${PRIVATE_TARGET_MODES.join(', ')}, not "${value}"`);
  }
  return value as WebhookConfig['privateTargets'];
}

/** The deployment scheduler (docs/deployments.md). */
export interface SchedulerConfig {
  /** AGENTD_SCHEDULER: whether this server fires deployments' schedules (any number of servers may). */
  readonly enabled: boolean;
  /** AGENTD_DEPLOYMENT_CATCH_UP_SECONDS: after downtime, the latest missed instant fires if no older than this. */
  readonly catchUpSeconds: number;
  /** AGENTD_SCHEDULER_POLL_MS: the longest the scheduler sleeps before looking at the database again. */
  readonly pollMs: number;
}

export const LOG_FORMATS = ['json', 'pretty'] as const;

function parseLogFormat(raw: string | undefined): Config['logFormat'] {
  if (raw === undefined || raw === '') return undefined;
  if (!(LOG_FORMATS as readonly string[]).includes(raw)) throw new Error(`AGENTD_LOG_FORMAT must be one of ${LOG_FORMATS.join(', ')}, not "${raw}"`);
  return raw as Config['logFormat'];
}

/** How agentd reaches MCP servers and OAuth token endpoints. */
export interface McpConfig {
  /** AGENTD_MCP_ALLOW_PRIVATE: allow loopback, link-local and private addresses (default off: refused). */
  readonly allowPrivate: boolean;
  /** AGENTD_MCP_TIMEOUT_MS: the longest one MCP request (initialize, tools/list, tools/call) may take. */
  readonly timeoutMs: number;
}

export const CAPTURE_MODES = ['metadata', 'content'] as const;

/** The Claude gateway (docs/gateway.md): capture, per-key limits, batches, prices. */
export interface GatewayConfig {
  /** AGENTD_GATEWAY_CAPTURE: `metadata` (default) records calls only; `content` also keeps request and response bodies. */
  readonly capture: (typeof CAPTURE_MODES)[number];
  /** AGENTD_GATEWAY_CAPTURE_RETENTION_DAYS: captured bodies older than this are deleted. */
  readonly captureRetentionDays: number;
  /** AGENTD_GATEWAY_REQUESTS_PER_MINUTE: per API key on the gateway's model endpoints (undefined: unlimited). */
  readonly requestsPerMinute: number | undefined;
  /** AGENTD_GATEWAY_TOKENS_PER_MINUTE: input + output tokens per API key (undefined: unlimited). */
  readonly tokensPerMinute: number | undefined;
  /** AGENTD_BATCH_CONCURRENCY: batch requests in flight at once in this process. */
  readonly batchConcurrency: number;
  /** AGENTD_BATCH_MAX_BYTES: largest batch-creation body. */
  readonly maxBatchBytes: number;
  /** AGENTD_PRICES: price overrides (JSON or a file); parsed when the server starts, which fails on a bad value. */
  readonly prices: string | undefined;
}

function parseCapture(raw: string | undefined): GatewayConfig['capture'] {
  const value = raw === undefined || raw === '' ? 'metadata' : raw;
  if (!(CAPTURE_MODES as readonly string[]).includes(value)) {
    throw new Error(`AGENTD_GATEWAY_CAPTURE must be one of ${CAPTURE_MODES.join(', ')}, not "${value}"`);
  }
  return value as GatewayConfig['capture'];
}

/** An http(s) URL setting, or undefined when unset. */
/**
 * A package registry's http(s) URL. It reaches the installer's sandbox (and so the packages' own install
 * scripts), where secrets never go: a URL with credentials is refused, and errors never echo the value.
 */
function optionalRegistryUrl(raw: string | undefined, name: string): string | undefined {
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${name}: not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${name}: not an http(s) URL (${url.protocol})`);
  if (url.username || url.password) {
    throw new Error(`${name}: credentials in the URL are not accepted (they would reach the installing sandbox); use a registry or mirror that needs none`);
  }
  return url.href;
}

function optionalPositiveInt(raw: string | undefined, name: string): number | undefined {
  return raw === undefined || raw === '' ? undefined : positiveInt(raw, 0, name);
}

function commaList(raw: string | undefined): string[] {
  return (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function parsePorts(raw: string | undefined, name: string): number[] {
  return [...new Set(commaList(raw).map((p) => {
    const port = Number(p);
    if (!/^\d+$/.test(p) || port < 1 || port > 65535) throw new Error(`${name}: "${p}" is not a port (1-65535)`);
    return port;
  }))];
}

/** Shape only (address/prefix); the sandbox provider parses them fully and refuses what it cannot. */
function parseAbsoluteDirs(raw: string | undefined, name: string): string[] {
  const dirs = (raw ?? '').split(path.delimiter).filter((d) => d.trim() !== '');
  for (const d of dirs) if (!path.isAbsolute(d)) throw new Error(`${name}: "${d}" is not an absolute path`);
  return dirs.map((d) => path.resolve(d));
}

function parseNetworks(raw: string | undefined, name: string): string[] {
  return commaList(raw).map((n) => {
    if (!/^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(n)) throw new Error(`${name}: "${n}" is not an IP network (address/prefix)`);
    return n;
  });
}

/** Far above any distribution's regular and system users, and below the 32-bit overflow ids. */
export const DEFAULT_SANDBOX_UID = 2_000_000_000;

function sandboxId(raw: string | undefined, fallback: number, name: string): number {
  const id = positiveInt(raw, fallback, name);
  if (id >= 4_294_967_295) throw new Error(`${name} must be below 4294967295`);
  return id;
}

function parseCpus(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 1;
  const cpus = Number(raw);
  if (!Number.isFinite(cpus) || cpus < 0) throw new Error(`AGENTD_SANDBOX_CPUS must be a number of CPUs (0: no limit), not "${raw}"`);
  return cpus;
}

export const SANDBOX_KINDS = ['bubblewrap', 'none'] as const;

/** Where built-in tools of cloud environments run (see docs/sandbox.md). */
export interface SandboxConfig {
  /** AGENTD_SANDBOX: `bubblewrap` (default) isolates each session; `none` runs tools unisolated. */
  readonly kind: (typeof SANDBOX_KINDS)[number];
  /** AGENTD_BWRAP_PATH: the bubblewrap binary (a path, or a name looked up on PATH). */
  readonly bwrapPath: string;
  /** AGENTD_SANDBOX_IDLE_MS: stop a session's tool process after this long without calls. */
  readonly idleMs: number;
  /** AGENTD_TOOL_TIMEOUT_MS: the longest one tool call may run (bash's timeout_ms is capped to it). */
  readonly toolTimeoutMs: number;
  /** AGENTD_TOOL_OUTPUT_BYTES: a tool result's content is cut to this size, with a marker. */
  readonly toolOutputBytes: number;
  /** AGENTD_SANDBOX_MEMORY_MB: address-space limit per sandboxed process (0: none). */
  readonly memoryMb: number;
  /** AGENTD_SANDBOX_PIDS: process limit (RLIMIT_NPROC; 0: none; see docs/sandbox.md for when it holds). */
  readonly maxProcesses: number;
  /** AGENTD_SANDBOX_HOST_PORTS: ports of the host's loopback that `unrestricted` sandboxes reach at 127.0.0.1:<port>. */
  readonly hostPorts: readonly number[];
  /** AGENTD_SANDBOX_ALLOWED_NETWORKS: CIDRs exempt from the sandboxes' deny rules (an internal mirror). */
  readonly allowedNetworks: readonly string[];
  /** AGENTD_EGRESS_EXTRA_CA_FILE: a PEM file of extra roots the egress proxy trusts for upstream TLS (besides the system's). */
  readonly egressExtraCaFile: string | undefined;
  /** AGENTD_SANDBOX_CPUS: CPU time per sandbox, in CPUs (cgroup quota; 0: none). */
  readonly cpus: number;
  /** AGENTD_SANDBOX_UID / AGENTD_SANDBOX_GID: the unprivileged host user sandboxes run as when agentd runs as root. */
  readonly uid: number;
  readonly gid: number;
  /** Environment packages (docs/sandbox.md "Environment packages"). */
  readonly packages: PackagesConfig;
}

/** Where environment package layers are built and which registries the installers use. */
export interface PackagesConfig {
  /** AGENTD_PACKAGES_DIR: one layer directory per package set (default `<dataDir>/packages`). */
  readonly dir: string;
  /** AGENTD_APT_SOURCES: a sources.list file apt installs from (default: the host's /etc/apt sources). */
  readonly aptSources: string | undefined;
  /** AGENTD_PIP_INDEX_URL: the package index pip installs from (default: PyPI). */
  readonly pipIndexUrl: string | undefined;
  /** AGENTD_NPM_REGISTRY: the registry npm installs from (default: registry.npmjs.org). */
  readonly npmRegistry: string | undefined;
}

export const MODEL_PROVIDERS = ['anthropic', 'bedrock', 'vertex', 'foundry'] as const;
export type ModelProviderName = (typeof MODEL_PROVIDERS)[number];

/** How sessions run: the model endpoint, retries, context management, workspaces. */
export interface EngineConfig {
  /** Run agent loops in this process (AGENTD_ENGINE=off makes an API-only node). */
  readonly enabled: boolean;
  /** Which SDK calls the Messages API (AGENTD_MODEL_PROVIDER). */
  readonly provider: ModelProviderName;
  /** Provider credentials and endpoint, read from the standard variables of each SDK. */
  readonly providerEnv: Readonly<Record<string, string | undefined>>;
  /** Agent model id → provider model id (AGENTD_MODEL_MAP, JSON), e.g. Bedrock ARNs. */
  readonly modelMap: Readonly<Record<string, string>>;
  /** Retries of a retryable model error before `retries_exhausted` (AGENTD_MODEL_MAX_RETRIES). */
  readonly maxRetries: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  /** Output cap per model call (AGENTD_MAX_OUTPUT_TOKENS), bounded by the model's own limit. */
  readonly maxOutputTokens: number;
  /** Compact history once a turn's context exceeds this many tokens (default 80% of the window). */
  readonly compactionTokens: number | undefined;
  /** Interval of span.outcome_evaluation_ongoing heartbeats while a grader runs (AGENTD_OUTCOME_HEARTBEAT_MS). */
  readonly outcomeHeartbeatMs: number;
  /** Tool-use rounds (a response that calls tools, plus running them) one turn may take (AGENTD_MAX_TOOL_ROUNDS). */
  readonly maxToolRounds: number;
  /** Per-session workspace directories (AGENTD_WORKSPACES_DIR, default `<dataDir>/workspaces`). */
  readonly workspacesDir: string;
  /** AGENTD_REPOSITORY_LOCAL_ROOTS: directories (absolute, `:`-separated) repository resources may name as local paths. */
  readonly repositoryLocalRoots: readonly string[];
  /** How long a runner's claim on a session lasts without renewal (AGENTD_LEASE_MS, default 10 s). */
  readonly leaseMs: number;
  /** How often the engine looks for sessions to take over or resume (AGENTD_LEASE_SWEEP_MS, default 2 s, at most leaseMs). */
  readonly sweepMs: number;
  /**
   * How long a runner whose session has nothing left to do keeps its lease, waiting for the next
   * input (AGENTD_SESSION_LINGER_MS, default 1 s; 0: release at once). Input that arrives meanwhile,
   * through any replica, runs on the warm runner: no lease hand-over, no fold of the log from the start.
   */
  readonly lingerMs: number;
  /** agentd's own web_fetch tool: what it may reach and how much it reads. */
  readonly webFetch: WebFetchConfig;
  /** Workspace snapshots to the blob store (docs/scaling.md, "Workspace snapshots"). */
  readonly workspaceSnapshots: WorkspaceSnapshotConfig;
}

export interface WorkspaceSnapshotConfig {
  /**
   * AGENTD_WORKSPACE_SNAPSHOTS: `auto` (default) snapshots where the blob store is shared by
   * replicas (PostgreSQL) and not on SQLite (one process, whose workspaces are on its own disk);
   * `on` or `off` decide regardless.
   */
  readonly mode: 'auto' | 'on' | 'off';
  /** AGENTD_WORKSPACE_SNAPSHOT_MAX_BYTES: a workspace whose files total more is not snapshotted (default 2 GiB). */
  readonly maxBytes: number;
  /** AGENTD_WORKSPACE_SNAPSHOT_MAX_LAYERS: layers over a base before the next snapshot is a new base (default 20). */
  readonly maxLayers: number;
}

export interface WebFetchConfig {
  /**
   * AGENTD_WEB_FETCH: `provider` (default) passes web_fetch to the provider as its server tool where
   * it offers one; `agentd` always runs agentd's own fetch (e.g. to reach internal hosts).
   */
  readonly runner: 'provider' | 'agentd';
  /** AGENTD_WEB_FETCH_ALLOW_PRIVATE: reach loopback, link-local and private addresses (default off). */
  readonly allowPrivate: boolean;
  /** AGENTD_WEB_FETCH_MAX_BYTES: the most of a response body it reads. */
  readonly maxBytes: number;
  /** AGENTD_WEB_FETCH_TIMEOUT_MS: the whole fetch, redirects included. */
  readonly timeoutMs: number;
}

function parseModelMap(raw: string | undefined): Record<string, string> {
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error('AGENTD_MODEL_MAP must be a JSON object of model id to provider model id');
  }
  if (typeof parsed !== 'object' || parsed === null || Object.values(parsed).some((v) => typeof v !== 'string')) {
    throw new Error('AGENTD_MODEL_MAP must be a JSON object of model id to provider model id');
  }
  return parsed as Record<string, string>;
}

/** The variables the provider SDKs read (credentials, endpoints, regions, projects). */
function providerEnv(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    if (/^(ANTHROPIC_|AWS_|CLOUD_ML_|GOOGLE_|ANTHROPIC_FOUNDRY_)/.test(k)) out[k] = v;
  }
  return out;
}

function parseOnOff(raw: string | undefined, fallback: boolean, name: string): boolean {
  if (raw === undefined || raw === '') return fallback;
  if (['on', 'true', '1'].includes(raw)) return true;
  if (['off', 'false', '0'].includes(raw)) return false;
  throw new Error(`invalid ${name} "${raw}": expected on or off`);
}

function parseSnapshotMode(raw: string | undefined): WorkspaceSnapshotConfig['mode'] {
  if (raw === undefined || raw === '' || raw === 'auto') return 'auto';
  return parseOnOff(raw, true, 'AGENTD_WORKSPACE_SNAPSHOTS') ? 'on' : 'off';
}

function parseSandboxKind(raw: string | undefined): SandboxConfig['kind'] {
  const value = raw === undefined || raw === '' ? 'bubblewrap' : raw;
  if (!(SANDBOX_KINDS as readonly string[]).includes(value)) {
    throw new Error(`AGENTD_SANDBOX must be one of ${SANDBOX_KINDS.join(', ')}, not "${value}"`);
  }
  return value as SandboxConfig['kind'];
}

function parseWebFetchRunner(raw: string | undefined): WebFetchConfig['runner'] {
  if (raw === undefined || raw === '' || raw === 'provider') return 'provider';
  if (raw === 'agentd') return 'agentd';
  throw new Error(`AGENTD_WEB_FETCH must be provider or agentd, not "${raw}"`);
}

function parseProvider(raw: string | undefined): ModelProviderName {
  const value = raw ?? 'anthropic';
  if (!(MODEL_PROVIDERS as readonly string[]).includes(value)) {
    throw new Error(`AGENTD_MODEL_PROVIDER must be one of ${MODEL_PROVIDERS.join(', ')}, not "${value}"`);
  }
  return value as ModelProviderName;
}

export interface ServeFlags {
  host?: string | undefined;
  port?: string | undefined;
  dataDir?: string | undefined;
  databaseUrl?: string | undefined;
  role?: string | undefined;
}

function parseRole(raw: string | undefined): Role {
  if (raw === undefined || raw === '') return 'all';
  if (!(ROLES as readonly string[]).includes(raw)) throw new Error(`invalid role "${raw}": expected one of ${ROLES.join(', ')}`);
  return raw as Role;
}

const MiB = 1024 * 1024;

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid port "${raw}": expected an integer from 0 to 65535`);
  }
  return port;
}

function nonNegativeInt(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`invalid ${name} "${raw}": expected a non-negative integer`);
  return n;
}

function positiveInt(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`invalid ${name} "${raw}": expected a positive integer`);
  return n;
}

function parsePublicUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^https?:\/\/[^/]+/.test(raw)) throw new Error(`invalid AGENTD_PUBLIC_URL "${raw}": expected an http(s) URL`);
  return raw.replace(/\/+$/, '');
}

export function loadConfig(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = path.resolve(flags.dataDir ?? env.AGENTD_DATA_DIR ?? './.agentd');
  const rawDatabaseUrl = flags.databaseUrl ?? env.DATABASE_URL;
  const databaseUrl = rawDatabaseUrl === '' ? undefined : rawDatabaseUrl;
  databaseTarget(databaseUrl, dataDir); // refuses an unknown scheme before anything starts
  const apiKeys = (env.AGENTD_API_KEY ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
  const role = parseRole(flags.role ?? env.AGENTD_ROLE);
  // The role switches loops off; AGENTD_ENGINE=off on an engine-only node would leave it doing nothing.
  const engineOn = parseOnOff(env.AGENTD_ENGINE, true, 'AGENTD_ENGINE');
  if (role === 'engine' && !engineOn) throw new Error('AGENTD_ENGINE=off contradicts --role engine (a node that serves no API and runs no sessions)');
  return Object.freeze({
    role,
    host: flags.host ?? env.AGENTD_HOST ?? '127.0.0.1',
    port: parsePort(flags.port ?? env.AGENTD_PORT ?? '4600'),
    dataDir,
    databaseUrl,
    apiKeys: Object.freeze(apiKeys),
    filesDir: path.resolve(env.AGENTD_FILES_DIR ?? path.join(dataDir, 'files')),
    blobs: parseBlobTarget(env),
    maxBodyBytes: positiveInt(env.AGENTD_MAX_BODY_BYTES, 32 * MiB, 'AGENTD_MAX_BODY_BYTES'),
    maxFileBytes: positiveInt(env.AGENTD_MAX_FILE_BYTES, 500 * MiB, 'AGENTD_MAX_FILE_BYTES'),
    maxSkillBytes: positiveInt(env.AGENTD_MAX_SKILL_BYTES, 8 * MiB, 'AGENTD_MAX_SKILL_BYTES'),
    publicUrl: parsePublicUrl(env.AGENTD_PUBLIC_URL),
    secretKey: env.AGENTD_SECRET_KEY === '' ? undefined : env.AGENTD_SECRET_KEY,
    mcp: Object.freeze({
      allowPrivate: parseOnOff(env.AGENTD_MCP_ALLOW_PRIVATE, false, 'AGENTD_MCP_ALLOW_PRIVATE'),
      timeoutMs: positiveInt(env.AGENTD_MCP_TIMEOUT_MS, 60_000, 'AGENTD_MCP_TIMEOUT_MS'),
    }),
    heartbeatMs: positiveInt(env.AGENTD_HEARTBEAT_MS, 15_000, 'AGENTD_HEARTBEAT_MS'),
    sseMaxBufferBytes: positiveInt(env.AGENTD_SSE_MAX_BUFFER_BYTES, 1024 * 1024, 'AGENTD_SSE_MAX_BUFFER_BYTES'),
    sseStallMs: positiveInt(env.AGENTD_SSE_STALL_MS, 30_000, 'AGENTD_SSE_STALL_MS'),
    workLeaseTtlSeconds: positiveInt(env.AGENTD_WORK_LEASE_TTL_SECONDS, 90, 'AGENTD_WORK_LEASE_TTL_SECONDS'),
    rateLimitPerMinute: env.AGENTD_RATE_LIMIT_PER_MINUTE
      ? positiveInt(env.AGENTD_RATE_LIMIT_PER_MINUTE, 0, 'AGENTD_RATE_LIMIT_PER_MINUTE')
      : undefined,
    logLevel: env.AGENTD_LOG_LEVEL ?? 'info',
    logFormat: parseLogFormat(env.AGENTD_LOG_FORMAT),
    engine: Object.freeze({
      enabled: engineOn && role !== 'api',
      provider: parseProvider(env.AGENTD_MODEL_PROVIDER),
      providerEnv: Object.freeze(providerEnv(env)),
      modelMap: Object.freeze(parseModelMap(env.AGENTD_MODEL_MAP)),
      maxRetries: nonNegativeInt(env.AGENTD_MODEL_MAX_RETRIES, 6, 'AGENTD_MODEL_MAX_RETRIES'),
      retryBaseMs: positiveInt(env.AGENTD_RETRY_BASE_MS, 1000, 'AGENTD_RETRY_BASE_MS'),
      retryMaxMs: positiveInt(env.AGENTD_RETRY_MAX_MS, 30_000, 'AGENTD_RETRY_MAX_MS'),
      maxOutputTokens: positiveInt(env.AGENTD_MAX_OUTPUT_TOKENS, 32_000, 'AGENTD_MAX_OUTPUT_TOKENS'),
      compactionTokens:
        env.AGENTD_COMPACTION_TOKENS === undefined
          ? undefined
          : positiveInt(env.AGENTD_COMPACTION_TOKENS, 1, 'AGENTD_COMPACTION_TOKENS'),
      outcomeHeartbeatMs: positiveInt(env.AGENTD_OUTCOME_HEARTBEAT_MS, 10_000, 'AGENTD_OUTCOME_HEARTBEAT_MS'),
      maxToolRounds: positiveInt(env.AGENTD_MAX_TOOL_ROUNDS, 200, 'AGENTD_MAX_TOOL_ROUNDS'),
      workspacesDir: path.resolve(env.AGENTD_WORKSPACES_DIR ?? path.join(dataDir, 'workspaces')),
      repositoryLocalRoots: Object.freeze(parseAbsoluteDirs(env.AGENTD_REPOSITORY_LOCAL_ROOTS, 'AGENTD_REPOSITORY_LOCAL_ROOTS')),
      // Takeover of a dead replica's session: lease lapse (≤ leaseMs) + next sweep (≤ sweepMs) = ≤ 12 s by default.
      leaseMs: positiveInt(env.AGENTD_LEASE_MS, 10_000, 'AGENTD_LEASE_MS'),
      sweepMs: Math.min(
        positiveInt(env.AGENTD_LEASE_SWEEP_MS, 2_000, 'AGENTD_LEASE_SWEEP_MS'),
        positiveInt(env.AGENTD_LEASE_MS, 10_000, 'AGENTD_LEASE_MS'),
      ),
      lingerMs: nonNegativeInt(env.AGENTD_SESSION_LINGER_MS, 1_000, 'AGENTD_SESSION_LINGER_MS'),
      webFetch: Object.freeze({
        runner: parseWebFetchRunner(env.AGENTD_WEB_FETCH),
        allowPrivate: parseOnOff(env.AGENTD_WEB_FETCH_ALLOW_PRIVATE, false, 'AGENTD_WEB_FETCH_ALLOW_PRIVATE'),
        maxBytes: positiveInt(env.AGENTD_WEB_FETCH_MAX_BYTES, 2 * 1024 * 1024, 'AGENTD_WEB_FETCH_MAX_BYTES'),
        timeoutMs: positiveInt(env.AGENTD_WEB_FETCH_TIMEOUT_MS, 30_000, 'AGENTD_WEB_FETCH_TIMEOUT_MS'),
      }),
      workspaceSnapshots: Object.freeze({
        mode: parseSnapshotMode(env.AGENTD_WORKSPACE_SNAPSHOTS),
        maxBytes: positiveInt(env.AGENTD_WORKSPACE_SNAPSHOT_MAX_BYTES, 2048 * MiB, 'AGENTD_WORKSPACE_SNAPSHOT_MAX_BYTES'),
        maxLayers: positiveInt(env.AGENTD_WORKSPACE_SNAPSHOT_MAX_LAYERS, 20, 'AGENTD_WORKSPACE_SNAPSHOT_MAX_LAYERS'),
      }),
    }),
    sandbox: Object.freeze({
      kind: parseSandboxKind(env.AGENTD_SANDBOX),
      bwrapPath: env.AGENTD_BWRAP_PATH || 'bwrap',
      idleMs: positiveInt(env.AGENTD_SANDBOX_IDLE_MS, 5 * 60_000, 'AGENTD_SANDBOX_IDLE_MS'),
      toolTimeoutMs: positiveInt(env.AGENTD_TOOL_TIMEOUT_MS, 10 * 60_000, 'AGENTD_TOOL_TIMEOUT_MS'),
      toolOutputBytes: positiveInt(env.AGENTD_TOOL_OUTPUT_BYTES, 256 * 1024, 'AGENTD_TOOL_OUTPUT_BYTES'),
      memoryMb: nonNegativeInt(env.AGENTD_SANDBOX_MEMORY_MB, 4096, 'AGENTD_SANDBOX_MEMORY_MB'),
      maxProcesses: nonNegativeInt(env.AGENTD_SANDBOX_PIDS, 512, 'AGENTD_SANDBOX_PIDS'),
      hostPorts: Object.freeze(parsePorts(env.AGENTD_SANDBOX_HOST_PORTS, 'AGENTD_SANDBOX_HOST_PORTS')),
      allowedNetworks: Object.freeze(parseNetworks(env.AGENTD_SANDBOX_ALLOWED_NETWORKS, 'AGENTD_SANDBOX_ALLOWED_NETWORKS')),
      egressExtraCaFile: env.AGENTD_EGRESS_EXTRA_CA_FILE ? path.resolve(env.AGENTD_EGRESS_EXTRA_CA_FILE) : undefined,
      cpus: parseCpus(env.AGENTD_SANDBOX_CPUS),
      uid: sandboxId(env.AGENTD_SANDBOX_UID, DEFAULT_SANDBOX_UID, 'AGENTD_SANDBOX_UID'),
      gid: sandboxId(env.AGENTD_SANDBOX_GID ?? env.AGENTD_SANDBOX_UID, DEFAULT_SANDBOX_UID, 'AGENTD_SANDBOX_GID'),
      packages: Object.freeze({
        dir: path.resolve(env.AGENTD_PACKAGES_DIR || path.join(dataDir, 'packages')),
        aptSources: env.AGENTD_APT_SOURCES ? path.resolve(env.AGENTD_APT_SOURCES) : undefined,
        pipIndexUrl: optionalRegistryUrl(env.AGENTD_PIP_INDEX_URL, 'AGENTD_PIP_INDEX_URL'),
        npmRegistry: optionalRegistryUrl(env.AGENTD_NPM_REGISTRY, 'AGENTD_NPM_REGISTRY'),
      }),
    }),
    gateway: Object.freeze({
      capture: parseCapture(env.AGENTD_GATEWAY_CAPTURE),
      captureRetentionDays: positiveInt(env.AGENTD_GATEWAY_CAPTURE_RETENTION_DAYS, 30, 'AGENTD_GATEWAY_CAPTURE_RETENTION_DAYS'),
      requestsPerMinute: optionalPositiveInt(env.AGENTD_GATEWAY_REQUESTS_PER_MINUTE, 'AGENTD_GATEWAY_REQUESTS_PER_MINUTE'),
      tokensPerMinute: optionalPositiveInt(env.AGENTD_GATEWAY_TOKENS_PER_MINUTE, 'AGENTD_GATEWAY_TOKENS_PER_MINUTE'),
      batchConcurrency: positiveInt(env.AGENTD_BATCH_CONCURRENCY, 8, 'AGENTD_BATCH_CONCURRENCY'),
      maxBatchBytes: positiveInt(env.AGENTD_BATCH_MAX_BYTES, 256 * MiB, 'AGENTD_BATCH_MAX_BYTES'),
      prices: env.AGENTD_PRICES === '' ? undefined : env.AGENTD_PRICES,
    }),
    scheduler: Object.freeze({
      enabled: parseOnOff(env.AGENTD_SCHEDULER, true, 'AGENTD_SCHEDULER') && role !== 'api',
      catchUpSeconds: nonNegativeInt(env.AGENTD_DEPLOYMENT_CATCH_UP_SECONDS, 3600, 'AGENTD_DEPLOYMENT_CATCH_UP_SECONDS'),
      pollMs: positiveInt(env.AGENTD_SCHEDULER_POLL_MS, 1000, 'AGENTD_SCHEDULER_POLL_MS'),
    }),
    webhooks: Object.freeze({
      privateTargets: parsePrivateTargets(env.AGENTD_WEBHOOK_PRIVATE_TARGETS),
      timeoutMs: positiveInt(env.AGENTD_WEBHOOK_TIMEOUT_MS, 10_000, 'AGENTD_WEBHOOK_TIMEOUT_MS'),
      retryBaseMs: positiveInt(env.AGENTD_WEBHOOK_RETRY_BASE_MS, 5_000, 'AGENTD_WEBHOOK_RETRY_BASE_MS'),
      retryMaxMs: positiveInt(env.AGENTD_WEBHOOK_RETRY_MAX_MS, 3_600_000, 'AGENTD_WEBHOOK_RETRY_MAX_MS'),
      maxAttempts: positiveInt(env.AGENTD_WEBHOOK_MAX_ATTEMPTS, 12, 'AGENTD_WEBHOOK_MAX_ATTEMPTS'),
      disableAfter: positiveInt(env.AGENTD_WEBHOOK_DISABLE_AFTER, 20, 'AGENTD_WEBHOOK_DISABLE_AFTER'),
      pollMs: positiveInt(env.AGENTD_WEBHOOK_POLL_MS, 500, 'AGENTD_WEBHOOK_POLL_MS'),
    }),
    tracing: loadTracing(env),
  });
}

function parseOtlpProtocol(raw: string | undefined, name: string): OtlpProtocol {
  if (raw === undefined || raw === '' || raw === 'http/protobuf') return 'http/protobuf';
  if (raw === 'http/json') return 'http/json';
  throw new Error(`invalid ${name} "${raw}": agentd exports over OTLP/HTTP, "http/protobuf" or "http/json" (not grpc)`);
}

/** The OTEL_EXPORTER_OTLP_HEADERS format: `k1=v1,k2=v2`, values URL-encoded. */
function parseOtlpHeaders(raw: string | undefined, name: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`invalid ${name}: expected name=value pairs separated by commas`);
    headers[decodeURIComponent(pair.slice(0, eq).trim())] = decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return headers;
}

function tracesEndpoint(env: NodeJS.ProcessEnv): string | undefined {
  const signal = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const url = signal ? signal : base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined;
  if (url !== undefined && !/^https?:\/\/[^/]+/.test(url)) throw new Error(`invalid OTLP traces endpoint "${url}": expected an http(s) URL`);
  return url;
}

function loadTracing(env: NodeJS.ProcessEnv): TracingConfig {
  const disabled = env.OTEL_SDK_DISABLED === 'true' || env.OTEL_TRACES_EXPORTER === 'none';
  const protocolVar = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  return Object.freeze({
    serviceName: env.OTEL_SERVICE_NAME || 'agentd',
    endpoint: disabled ? undefined : tracesEndpoint(env),
    protocol: parseOtlpProtocol(env[protocolVar], protocolVar),
    headers: Object.freeze({
      ...parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS, 'OTEL_EXPORTER_OTLP_HEADERS'),
      ...parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'),
    }),
    batchDelayMs: positiveInt(env.OTEL_BSP_SCHEDULE_DELAY, 5000, 'OTEL_BSP_SCHEDULE_DELAY'),
    maxQueueSize: positiveInt(env.OTEL_BSP_MAX_QUEUE_SIZE, 2048, 'OTEL_BSP_MAX_QUEUE_SIZE'),
    destinationDisableAfterMs: 1000 * positiveInt(env.AGENTD_TELEMETRY_DISABLE_AFTER_SECONDS, 86_400, 'AGENTD_TELEMETRY_DISABLE_AFTER_SECONDS'),
  });
}

export function isPostgresUrl(url: string | undefined): url is string {
  return url !== undefined && /^postgres(ql)?:\/\//.test(url);
}

/** Where the data lives: PostgreSQL at a URL, or an SQLite file. */
export type DatabaseTarget = { dialect: 'postgres'; url: string } | { dialect: 'sqlite'; file: string };

/**
 * `postgres://` / `postgresql://` select PostgreSQL; `sqlite:<path>` (or `file:<path>`, or a plain path) an SQLite
 * file; nothing set, SQLite at `<dataDir>/agentd.db`. Any other scheme is refused: it is a mistake (mysql://…),
 * never a file name.
 */
export function databaseTarget(url: string | undefined, dataDir: string): DatabaseTarget {
  if (url === undefined) return { dialect: 'sqlite', file: path.join(dataDir, 'agentd.db') };
  if (/^postgres(ql)?:\/\//.test(url)) return { dialect: 'postgres', url };
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(url)?.[1]?.toLowerCase();
  if (scheme === undefined) return { dialect: 'sqlite', file: path.resolve(url) };
  if (scheme === 'sqlite' || scheme === 'file') {
    // sqlite:./a.db, sqlite:/abs/a.db, sqlite:///abs/a.db
    const file = url.slice(scheme.length + 1).replace(/^\/\//, '');
    if (file === '') throw new Error(`invalid database URL "${url}": name the SQLite file, e.g. sqlite:./agentd.db`);
    return { dialect: 'sqlite', file: path.resolve(file) };
  }
  throw new Error(
    `unsupported database URL scheme "${scheme}:" in --database-url/DATABASE_URL: use postgres://user@host:5432/db for PostgreSQL, ` +
      'sqlite:<path> for an SQLite file, or leave it unset for SQLite in the data dir',
  );
}

/** A database URL as it may be printed: the password replaced. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

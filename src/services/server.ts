// Process wiring: open the store, build the app, listen, and shut down gracefully.
import fs from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { DestinationStream, Logger as PinoLogger } from 'pino';
import type { Config } from '../config/config.js';
import { createApp } from '../http/app.js';
import { EventLog } from '../events/event-log.js';
import { InProcessDeltaChannel } from '../events/delta-channel.js';
import { openStore } from '../store/open-store.js';
import type { BlobStore } from '../store/blob-store.js';
import { openBlobs, type OpenedBlobs } from './blobs.js';
import type { S3BlobStore } from '../store/s3-blob-store.js';
import type { Store } from '../store/types.js';
import { resolveApiKeys } from './api-keys.js';
import { openEventBus } from './event-bus.js';
import { Engine } from '../engine/engine.js';
import type { StepObserver } from '../engine/session-runner.js';
import { createModelClient } from '../engine/model/create-model-client.js';
import { engineOwnerId } from './engine-owner.js';
import { WorkQueue } from '../work/work-queue.js';
import { QueueRemoteWork } from '../sandbox/remote/queue-remote-work.js';
import { captureSessionOutputs } from '../commands/session-outputs.js';
import { mountNotes, prepareMounts } from '../commands/session-mounts.js';
import { prepareWorkspace } from '../commands/prepare-workspace.js';
import { syncMemoryMounts } from '../commands/session-memory-sync.js';
import { localWorkspaces } from '../sandbox/workspace/local-workspaces.js';
import { snapshotsEnabled, wireWorkspaceSnapshots } from './workspace-snapshot-wiring.js';
import { createLocalSandboxes } from './sandboxes.js';
import { lateEnvCredentialSource } from './sandbox-credentials.js';
import { sessionCredentialHosts } from '../commands/vaults/env-credentials.js';
import type { VaultDeps } from '../commands/vaults/vault-deps.js';
import { isoNow, systemClock, type Clock } from '../domain/clock.js';
import { newId } from '../api/ids.js';
import { withFileSources } from '../engine/model/file-sources.js';
import { createGatewayDeps, fileLookup, startContentRetention } from './gateway.js';
import { createPriceTable, parsePriceOverrides } from '../telemetry/prices.js';
import { Metrics } from '../telemetry/metrics.js';
import { Tracing } from '../telemetry/tracing.js';
import { ExportTarget } from '../telemetry/span-export.js';
import { DestinationExports } from './telemetry-destinations.js';
import { BatchExecutor } from '../gateway/batches/batch-executor.js';
import { DeploymentScheduler } from './deployment-scheduler.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { createLogger } from './logger.js';
import { ModelCatalog } from '../gateway/model-catalog.js';
import { loadSecretBox } from '../secrets/secret-key.js';
import { createMcpHub, mcpFetch } from './mcp.js';
import { localRepositoryRefusal } from '../sandbox/resources/local-repository.js';
import { sandboxUnavailableAtStart, startSummary, type StartSummary } from './start-summary.js';

export interface RunningServer {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly store: Store;
  /** Where this server keeps file bytes (tests reach past the API with it). */
  readonly blobs: BlobStore;
  /** What this server serves, for the start banner. */
  readonly summary: StartSummary;
  /** Stop accepting, end streams, finish in-flight requests, close the store. */
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: PinoLogger;
  /** Where agentd's own logger writes (stdout otherwise); ignored with `logger`. */
  logDestination?: DestinationStream;
  /** Time source for everything the server schedules (tests inject a manual clock). */
  clock?: Clock;
  /** Where to print the one-time key notice (default stdout). */
  announce?: (text: string) => void;
  /** Sees every step the engine decides (tests record replay fixtures with it). */
  observeSteps?: StepObserver;
  /**
   * Refuse to start when the bubblewrap sandbox cannot run here (what `agentd serve` wants: a
   * prerequisite missing is a start error). Without it tool calls are refused one by one.
   */
  requireSandbox?: boolean;
}

/** Agents may name the models of agentd's table (GET /v1/models: the provider's models, aliases, AGENTD_MODEL_MAP). */
function unknownModelCheck(config: Config): (id: string) => string | undefined {
  const catalog = new ModelCatalog(config.engine.modelMap);
  return (id) =>
    catalog.get(id)
      ? undefined
      : `"${id}" is not a model of the configured provider (${config.engine.provider}); GET /v1/models lists the ones this server knows, ` +
        'and AGENTD_MODEL_MAP adds others (e.g. {"' + id + '": "<provider model id>"})';
}

export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  // The mixin adds the request / session id of the work being done to every line.
  const logger = opts.logger ?? createLogger(config, process.stdout.isTTY === true, opts.logDestination);
  const clock = opts.clock ?? systemClock;
  // Before anything is opened: a malformed AGENTD_PRICES stops the start with its reason.
  const prices = createPriceTable(parsePriceOverrides(config.gateway.prices));
  let vaultDeps: VaultDeps | undefined;
  const sandboxes = await createLocalSandboxes(config, logger, clock, lateEnvCredentialSource(() => vaultDeps));
  if (opts.requireSandbox && sandboxes.unavailable) throw new Error(sandboxUnavailableAtStart(sandboxes.unavailable));
  fs.mkdirSync(config.dataDir, { recursive: true });
  // Before the store opens: a malformed AGENTD_SECRET_KEY stops the start with its reason.
  let secrets;
  try {
    secrets = loadSecretBox({ configuredKey: config.secretKey, dataDir: config.dataDir });
  } catch (err) {
    await sandboxes.close();
    throw err;
  }
  let store: Store;
  try {
    store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  } catch (err) {
    await sandboxes.close();
    throw err;
  }
  // An unreachable bucket stops the start before anything past the store is set up.
  let opened: OpenedBlobs;
  try {
    opened = await openBlobs(config, store);
  } catch (err) {
    await store.close();
    await sandboxes.close();
    throw err;
  }
  let events;
  let keys;
  try {
    keys = await resolveApiKeys(config.apiKeys, config.dataDir, store, isoNow(clock));
    events = await openEventBus(store, logger);
  } catch (err) {
    opened.bucket?.close();
    await store.close();
    await sandboxes.close();
    throw err;
  }
  const { bus } = events;
  const metrics = new Metrics({ sessionsByStatus: () => store.sessions.countByStatus() });
  const tracing = new Tracing(config.tracing.serviceName);
  if (config.tracing.endpoint) {
    const { endpoint, protocol, headers, batchDelayMs, maxQueueSize } = config.tracing;
    tracing.setTarget(
      new ExportTarget({ name: 'env', url: endpoint, protocol, headers: { ...headers }, content: { type: 'metadata_only' }, batchDelayMs, maxQueueSize }, metrics.spans),
    );
  }
  bus.subscribeAll((_sessionId, records) => metrics.eventsCommitted(records.length));
  // Live previews reach the streams of this process only (best-effort by definition).
  const deltas = new InProcessDeltaChannel();
  const repositoryRefusal = (url: string) =>
    localRepositoryRefusal(url, {
      roots: config.engine.repositoryLocalRoots,
      ownDirs: [config.dataDir, config.filesDir, config.engine.workspacesDir, config.sandbox.packages.dir],
    });
  const ctx = {
    store,
    log: new EventLog(store, bus),
    blobs: opened.blobs,
    now: () => isoNow(clock),
    workspaces: localWorkspaces(config.engine.workspacesDir, { repositoryRefusal }),
    prices,
    modelProvider: config.engine.provider,
    unknownModel: unknownModelCheck(config),
    repositoryRefusal,
    envCredentialsRefusal:
      config.sandbox.kind === 'none'
        ? 'this server runs tools without a sandbox (AGENTD_SANDBOX=none), so no egress proxy can substitute them'
        : undefined,
  };
  vaultDeps = { store, now: ctx.now, secrets };
  const work = new WorkQueue({ store, now: ctx.now, leaseTtlSeconds: config.workLeaseTtlSeconds, wakes: bus });
  // A session the engine runs in a cloud environment has no work items: its turn ends withdraw nothing.
  const remoteWork = new QueueRemoteWork(work, bus, logger, (sessionId) => engine.runsToolsHere(sessionId));
  // One model layer for the engine and the gateway: the model map, then file sources inlined for every provider.
  const model = withFileSources(createModelClient(config.engine), fileLookup(store, ctx.blobs, clock));
  const gatewayDeps = createGatewayDeps({ config, store, model, clock, logger, prices, metrics, tracer: tracing.tracer });
  const batches = new BatchExecutor(gatewayDeps, {
    owner: engineOwnerId(config.dataDir),
    concurrency: config.gateway.batchConcurrency,
    maxRetries: config.engine.maxRetries,
    retryBaseMs: config.engine.retryBaseMs,
    retryMaxMs: config.engine.retryMaxMs,
  });
  const engine = new Engine({
    owner: engineOwnerId(config.dataDir),
    store,
    log: ctx.log,
    bus,
    model,
    prices,
    telemetry: {
      modelCalls: (_session, calls) => metrics.modelCalls(calls),
      toolCall: (_session, call) => metrics.toolCall(call.name, call.outcome, call.seconds),
    },
    traces: { tracer: tracing.tracer, wantsContent: () => tracing.wantsContent },
    config: config.engine,
    logger,
    clock,
    newId: (prefix) => newId(prefix),
    sandboxes: sandboxes.provider,
    remoteWork,
    outputs: { capture: (session) => captureSessionOutputs({ ...ctx, logger, maxFileBytes: config.maxFileBytes }, session) },
    mounts: {
      notes: (session, environment) => mountNotes(ctx, session, environment),
      prepare: (session) => prepareMounts({ ...ctx, logger }, session),
      sync: (session) => syncMemoryMounts({ ...ctx, logger }, session),
    },
    workspace: {
      prepared: async (sessionId) => (await ctx.workspaces.prepared(sessionId))?.placed,
      prepare: (session, failed, signal) => prepareWorkspace({ ...ctx, logger }, session, failed, signal),
    },
    deltas,
    mcp: createMcpHub(config, { store, now: ctx.now, secrets }, clock, logger),
    credentialHosts: (session) => sessionCredentialHosts(store, session),
    snapshots: wireWorkspaceSnapshots({ config, store, blobs: ctx.blobs, logger, metrics, now: ctx.now }),
    packageHosts: sandboxes.packageHosts,
    observe: opts.observeSteps,
  });
  // Telemetry destinations (client.beta.organization.telemetryDestinations) are export targets too.
  const destinations = new DestinationExports({
    store,
    secrets,
    tracing,
    spans: metrics.spans,
    logger,
    now: ctx.now,
    batchDelayMs: config.tracing.batchDelayMs,
    maxQueueSize: config.tracing.maxQueueSize,
    pollMs: 5000,
    disableAfterMs: config.tracing.destinationDisableAfterMs,
  });
  await destinations.start();
  const shutdown = new AbortController();
  const app = await createApp({
    ctx,
    bus,
    deltas,
    apiKeys: keys.entries,
    logger,
    maxBodyBytes: config.maxBodyBytes,
    maxFileBytes: config.maxFileBytes,
    maxSkillBytes: config.maxSkillBytes,
    heartbeatMs: config.heartbeatMs,
    sse: { maxBufferBytes: config.sseMaxBufferBytes, stallMs: config.sseStallMs },
    rateLimitPerMinute: config.rateLimitPerMinute,
    shuttingDown: shutdown.signal,
    work,
    gateway: { deps: gatewayDeps, batches },
    publicUrl: config.publicUrl,
    metrics,
    webhookPrivateTargets: config.webhooks.privateTargets,
    secrets,
    mcp: { fetch: mcpFetch(config), timeoutMs: config.mcp.timeoutMs },
    telemetry: { tracer: tracing.tracer, serviceName: config.tracing.serviceName, destinationsChanged: () => destinations.changed() },
    readiness: () => readiness(shutdown.signal, store, events, opened.bucket),
    serveApi: config.role !== 'engine',
  });
  // Loops run on `all` and `engine` replicas; an `api` replica only answers requests.
  const loops = config.role !== 'api';
  const stopRetention = loops ? startContentRetention(gatewayDeps) : () => {};
  if (config.engine.enabled) await engine.start();
  // Batch requests run where agent loops run: AGENTD_ENGINE=off makes a node that only serves the API.
  if (config.engine.enabled) await batches.start();
  const scheduler = new DeploymentScheduler({
    ctx,
    clock,
    logger,
    catchUpMs: config.scheduler.catchUpSeconds * 1000,
    pollMs: config.scheduler.pollMs,
  });
  if (config.scheduler.enabled) scheduler.start();
  const webhooks = new WebhookDispatcher({ store, clock, logger, config: config.webhooks });
  if (loops) webhooks.start();
  // Node's default backlog (511) overflows when a thousand clients connect at once (the kernel
  // then resets connections: seen as failed requests in the 1,000-session benchmark).
  await app.listen({ host: config.host, port: config.port, backlog: 4096 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;

  const announce = opts.announce ?? ((t: string) => process.stdout.write(t));
  if (keys.generated) {
    announce(
      `\nGenerated an API key (stored in ${keys.generated.file}; shown only this once):\n\n` +
        `  ${keys.generated.key}\n\n` +
        `Use it with the Anthropic SDK:\n` +
        `  new Anthropic({ baseURL: '${url}', apiKey: '<key>' })\n` +
        `or set AGENTD_API_KEY to choose your own keys.\n\n`,
    );
  }
  logger.info({ url, dialect: store.dialect, dataDir: config.dataDir }, 'agentd listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    app,
    store,
    blobs: opened.blobs,
    summary: startSummary(config, url, keys, sandboxes.unavailable, store.blobs !== undefined, snapshotsEnabled(config, store)),
    close: () =>
      (closing ??= (async () => {
        shutdown.abort();
        stopRetention();
        await scheduler.close();
        await webhooks.close();
        await batches.close();
        await engine.stop();
        // The turns' last spans leave before the process does (bounded by the exporters' timeouts).
        destinations.close();
        await destinations.settled();
        await tracing.shutdown();
        remoteWork.close();
        work.close();
        await sandboxes.close();
        const closed = app.close();
        // A keep-alive connection whose request finishes after close() began would otherwise
        // hold shutdown open until its keep-alive timeout; close each one as soon as it idles.
        const sweeper = setInterval(() => app.server.closeIdleConnections(), 25);
        try {
          await closed;
        } finally {
          clearInterval(sweeper);
        }
        // Calls that ended during shutdown are still written before the store closes.
        await gatewayDeps.ledger.drain();
        await events.close();
        opened.bucket?.close();
        await store.close();
      })()),
  };
}

const READY_QUERY_MS = 2_000;

/** Why this process should not be sent work now (GET /health/ready), or undefined. */
async function readiness(
  shuttingDown: AbortSignal,
  store: Store,
  events: { problem(): string | undefined },
  bucket: S3BlobStore | undefined,
): Promise<string | undefined> {
  if (shuttingDown.aborted) return 'shutting down';
  const bus = events.problem();
  if (bus) return bus;
  const blobs = await bucket?.problem(READY_QUERY_MS);
  if (blobs) return `the file bucket is unusable (${blobs})`;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`the database did not answer within ${READY_QUERY_MS} ms`), READY_QUERY_MS);
  });
  try {
    return await Promise.race([store.ping().then(() => undefined, (err: unknown) => `the database is unreachable (${(err as Error).message})`), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// The HTTP application: request-target normalisation, fail-closed auth, error envelope, request
// ids, /health, and the /v1 API plugin with every other route.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { newId } from '../api/ids.js';
import type { CommandContext } from '../commands/context.js';
import type { EventBus } from '../events/event-bus.js';
import type { DeltaChannel } from '../events/delta-channel.js';
import { resolveWorkerCredential } from '../commands/work/resolve-credential.js';
import type { WorkQueue } from '../work/work-queue.js';
import type { Principal } from '../domain/principal.js';
import { authenticatePrincipal, type ApiKeyEntry } from './auth.js';
import { checkCredentialBody, checkCredentialScope } from './credential-scopes.js';
import { errorHandler, notFoundHandler } from './error-handler.js';
import { agentRoutes } from './routes/agents.js';
import { environmentRoutes } from './routes/environments.js';
import { fileRoutes } from './routes/files.js';
import { sessionRoutes } from './routes/sessions.js';
import { sessionResourceRoutes } from './routes/session-resources.js';
import { eventRoutes } from './routes/events.js';
import { threadRoutes } from './routes/threads.js';
import { healthRoutes, type Readiness } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import type { Metrics } from '../telemetry/metrics.js';
import { startRequestSpan } from './request-span.js';
import type { Tracer } from '@opentelemetry/api';
import { workRoutes } from './routes/work.js';
import { workItemRoutes } from './routes/work-items.js';
import { environmentKeyRoutes } from './routes/environment-keys.js';
import { memoryStoreRoutes } from './routes/memory-stores.js';
import { vaultRoutes } from './routes/vaults.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { Fetch } from '../net/guarded-fetch.js';
import { skillRoutes } from './routes/skills.js';
import { analyticsRoutes } from './routes/analytics.js';
import { deploymentRoutes } from './routes/deployments.js';
import { webhookRoutes } from './routes/webhooks.js';
import { telemetryDestinationRoutes } from './routes/telemetry-destinations.js';
import type { PrivateTargets } from '../domain/webhook-target.js';
import { registerAccessLog } from './access-log.js';
import { registerRateLimit } from './rate-limit.js';
import { normalizeRequestTarget } from './normalize-url.js';
import { isPublicRoute } from './route-config.js';
import { frameworkErrorsHandler, MAX_PARAM_LENGTH } from './framework-errors.js';
import type { SseLimits } from './sse-writer.js';
import { CredentialWatch } from './credential-watch.js';
import { ApiError } from '../errors.js';
import { clientErrorHandler } from './client-errors.js';
import { checkBodyShape, checkRequestShape } from './request-checks.js';
import { gatewayRoutes, type Gateway } from './routes/gateway/gateway-routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The workspace of the authenticated API key. */
    workspaceId: string;
    /** Who is calling: an API key, or a self-hosted worker credential (see credential-scopes.ts). */
    principal: Principal;
  }
  interface FastifyInstance {
    /** Every route the app registered, with its config. */
    registeredRoutes: readonly RegisteredRoute[];
  }
}

export interface AppOptions {
  ctx: CommandContext;
  bus: EventBus;
  /** Live previews for streams opened with event_deltas. */
  deltas: DeltaChannel;
  apiKeys: readonly ApiKeyEntry[];
  logger: FastifyBaseLogger;
  maxBodyBytes: number;
  maxFileBytes: number;
  /** The most a skill's files may add up to (AGENTD_MAX_SKILL_BYTES). */
  maxSkillBytes: number;
  heartbeatMs: number;
  /** Every SSE connection's send buffer bound (AGENTD_SSE_MAX_BUFFER_BYTES, AGENTD_SSE_STALL_MS). */
  sse: SseLimits;
  /** Requests per minute per API key on /v1/*; undefined disables the limit. */
  rateLimitPerMinute?: number | undefined;
  /** Resolves when the server starts shutting down; long-lived streams end then. */
  shuttingDown: AbortSignal;
  /** The self-hosted environments' work queue. */
  work: WorkQueue;
  /** The Claude gateway: Messages API, batches, models, OpenAI-compatible endpoint (src/gateway). */
  gateway: Gateway;
  /** AGENTD_PUBLIC_URL: this server's URL as workers reach it (their work secret's api_base_url). */
  publicUrl?: string | undefined;
  /** This process's Prometheus metrics (GET /metrics; HTTP requests are counted here). */
  metrics: Metrics;
  /** AGENTD_WEBHOOK_PRIVATE_TARGETS: whether webhook URLs may name loopback or private addresses. */
  webhookPrivateTargets: PrivateTargets;
  /** Seals vault secrets at rest (AGENTD_SECRET_KEY or the data dir's secret.key). */
  secrets: SecretBox;
  /** How MCP servers and OAuth token endpoints are reached (credential validation probes them). */
  mcp: { fetch: Fetch; timeoutMs: number };
  /** Telemetry destinations: the spans' `service.name`, and who re-reads them for export after a change. */
  telemetry: { tracer: Tracer; serviceName: string; destinationsChanged: () => Promise<void> };
  /** Why the process cannot take work now (GET /health/ready). */
  readiness: Readiness;
  /** false (an engine-only replica): only /health, /health/ready and /metrics are served. */
  serveApi: boolean;
}

/** A registered route as the router holds it (the route-enumeration test walks these). */
export interface RegisteredRoute {
  method: string;
  url: string;
  config: { public?: boolean; principals?: readonly string[] };
}

/** How often an open stream's credential is re-checked: revocation ends it within this (issue 18: one second). */
const CREDENTIAL_RECHECK_MS = 500;

export async function createApp(opts: AppOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: opts.logger,
    bodyLimit: opts.maxBodyBytes,
    genReqId: () => newId('req'),
    // A request's lines carry its request_id from the log context (request-span.ts), so its logger needs no
    // bindings of its own: pino redacts every binding it is given, which cost ~4 KB and a microsecond per request.
    childLoggerFactory: (logger) => logger.child({}),
    // Fastify's own two lines per request are off: access-log.ts writes one line with the route.
    logController: new LogController({ disableRequestLogging: true }),
    // One canonical origin-form target before routing (absolute-form, encoded unreserved bytes).
    rewriteUrl: (req) => normalizeRequestTarget(req.url ?? '/'),
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Raised before routing (bad percent-encoding, over-long ids): authenticated, then the envelope.
    frameworkErrors: frameworkErrorsHandler((req) => authenticate(req)),
    // Malformed HTTP (refused by Node's parser before there is a request): the envelope, not Fastify's body.
    clientErrorHandler,
    // A missing Host is refused by us (after authentication, in the envelope), not by Node.
    http: { requireHostHeader: false },
  });
  const routes: RegisteredRoute[] = [];
  app.decorate('registeredRoutes', routes);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) routes.push({ method, url: r.url, config: { ...r.config } });
  });
  const authenticate = async (req: FastifyRequest) => {
    req.principal = await authenticatePrincipal(req, opts.apiKeys, workerCredential);
    req.workspaceId = req.principal.workspaceId;
  };
  app.decorateRequest('workspaceId', '');
  app.decorateRequest('principal', null as never); // set by the hook below for every non-public route
  const workerCredential = (key: string) => resolveWorkerCredential(opts.ctx.store, key);
  const offered = async (environmentId: string, sessionId: string) =>
    (await opts.ctx.store.work.openForSession(sessionId))?.environmentId === environmentId;
  registerAccessLog(app);
  // Fail closed: every request is authenticated — unmatched ones too, before their 404 — unless the
  // route it matched says `public` in its config. Decided from the matched route, never the URL.
  app.addHook('onRequest', async (req, reply) => {
    // Every log line written while this request is handled carries its id (telemetry/log-context.ts).
    // The request's span (a child of the caller's `traceparent`): its lines carry the trace id, and
    // a turn the request wakes is its child (docs/observability.md#traces-opentelemetry).
    startRequestSpan(req, reply, opts.telemetry.tracer);
    void reply.header('request-id', req.id);
    if (isPublicRoute(req)) return;
    await authenticate(req);
    checkRequestShape(req);
    await checkCredentialScope(req, req.principal, offered);
  });
  app.addHook('preHandler', async (req) => {
    if (isPublicRoute(req)) return;
    checkBodyShape(req);
    checkCredentialBody(req, req.principal);
  });
  // Long-lived requests re-check their credential (revocation ends access, see credential-watch.ts).
  const credentials = new CredentialWatch(
    async (req) => {
      try {
        await checkCredentialScope(req, await authenticatePrincipal(req, opts.apiKeys, workerCredential), offered);
        return true;
      } catch (err) {
        if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return false;
        throw err;
      }
    },
    CREDENTIAL_RECHECK_MS,
    (err) => app.log.warn({ err }, 'credential re-check failed; will retry'),
  );
  // Labelled by route pattern (never the raw URL: ids would explode the series); unmatched as such.
  app.addHook('onResponse', async (req, reply) => {
    opts.metrics.httpRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);

  healthRoutes(app, opts.readiness);
  metricsRoutes(app, opts.metrics);
  if (!opts.serveApi) return app;
  // The API: one encapsulated plugin, so the rate limit covers exactly its routes.
  await app.register(async (api) => {
    await registerRateLimit(api, opts.rateLimitPerMinute);
    agentRoutes(api, opts.ctx);
    environmentRoutes(api, opts.ctx);
    fileRoutes(api, opts.ctx, { maxFileBytes: opts.maxFileBytes });
    sessionRoutes(api, opts.ctx);
    sessionResourceRoutes(api, opts.ctx);
    eventRoutes(api, opts.ctx, { bus: opts.bus, deltas: opts.deltas, heartbeatMs: opts.heartbeatMs, shuttingDown: opts.shuttingDown, sse: opts.sse, credentials });
    workRoutes(api, opts.ctx, { queue: opts.work, shuttingDown: opts.shuttingDown, publicUrl: opts.publicUrl, credentials });
    threadRoutes(api, opts.ctx, { bus: opts.bus, deltas: opts.deltas, heartbeatMs: opts.heartbeatMs, shuttingDown: opts.shuttingDown, sse: opts.sse, credentials });
    workItemRoutes(api, opts.ctx, { queue: opts.work });
    environmentKeyRoutes(api, opts.ctx, credentials);
    gatewayRoutes(api, opts.gateway);
    memoryStoreRoutes(api, opts.ctx);
    vaultRoutes(api, { store: opts.ctx.store, now: opts.ctx.now, secrets: opts.secrets, ...opts.mcp });
    skillRoutes(api, opts.ctx, { maxSkillBytes: opts.maxSkillBytes });
    analyticsRoutes(api, opts.ctx);
    deploymentRoutes(api, opts.ctx);
    webhookRoutes(api, opts.ctx, { privateTargets: opts.webhookPrivateTargets });
    telemetryDestinationRoutes(api, {
      store: opts.ctx.store,
      now: opts.ctx.now,
      secrets: opts.secrets,
      changed: opts.telemetry.destinationsChanged,
      serviceName: opts.telemetry.serviceName,
    });
  });
  return app;
}

// The HTTP application: auth, error envelope, request ids, and every route.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { newId } from '../api/ids.js';
import type { CommandContext } from '../commands/context.js';
import type { EventBus } from '../events/event-bus.js';
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
import { healthRoutes } from './routes/health.js';
import { workRoutes } from './routes/work.js';
import { workItemRoutes } from './routes/work-items.js';
import { environmentKeyRoutes } from './routes/environment-keys.js';
import { memoryStoreRoutes } from './routes/memory-stores.js';
import { skillRoutes } from './routes/skills.js';
import { registerRateLimit } from './rate-limit.js';
import { gatewayRoutes, type Gateway } from './routes/gateway/gateway-routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The workspace of the authenticated API key. */
    workspaceId: string;
    /** Who is calling: an API key, or a self-hosted worker credential (see credential-scopes.ts). */
    principal: Principal;
  }
}

export interface AppOptions {
  ctx: CommandContext;
  bus: EventBus;
  apiKeys: readonly ApiKeyEntry[];
  logger: FastifyBaseLogger;
  maxBodyBytes: number;
  maxFileBytes: number;
  /** The most a skill's files may add up to (AGENTD_MAX_SKILL_BYTES). */
  maxSkillBytes: number;
  heartbeatMs: number;
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
}

export async function createApp(opts: AppOptions): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: opts.logger,
    bodyLimit: opts.maxBodyBytes,
    genReqId: () => newId('req'),
    // Per-request access logs would dominate the hot path; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.decorateRequest('workspaceId', '');
  app.decorateRequest('principal', null as never); // set for every /v1/ request by the hook below
  const workerCredential = (key: string) => resolveWorkerCredential(opts.ctx.store, key);
  const offered = async (environmentId: string, sessionId: string) =>
    (await opts.ctx.store.work.openForSession(sessionId))?.environmentId === environmentId;
  app.addHook('onRequest', async (req, reply) => {
    void reply.header('request-id', req.id);
    if (!req.url.startsWith('/v1/')) return;
    req.principal = await authenticatePrincipal(req, opts.apiKeys, workerCredential);
    req.workspaceId = req.principal.workspaceId;
    await checkCredentialScope(req, req.principal, offered);
  });
  app.addHook('preHandler', async (req) => {
    if (req.url.startsWith('/v1/')) checkCredentialBody(req, req.principal);
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  await registerRateLimit(app, opts.rateLimitPerMinute);

  healthRoutes(app);
  agentRoutes(app, opts.ctx);
  environmentRoutes(app, opts.ctx);
  fileRoutes(app, opts.ctx, { maxFileBytes: opts.maxFileBytes });
  sessionRoutes(app, opts.ctx);
  sessionResourceRoutes(app, opts.ctx);
  eventRoutes(app, opts.ctx, { bus: opts.bus, heartbeatMs: opts.heartbeatMs, shuttingDown: opts.shuttingDown });
  workRoutes(app, opts.ctx, { queue: opts.work, shuttingDown: opts.shuttingDown, publicUrl: opts.publicUrl });
  workItemRoutes(app, opts.ctx, { queue: opts.work });
  environmentKeyRoutes(app, opts.ctx);
  gatewayRoutes(app, opts.gateway);
  memoryStoreRoutes(app, opts.ctx);
  skillRoutes(app, opts.ctx, { maxSkillBytes: opts.maxSkillBytes });
  return app;
}

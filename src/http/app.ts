// The HTTP application: auth, error envelope, request ids, and every route.
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { newId } from '../api/ids.js';
import type { CommandContext } from '../commands/context.js';
import type { EventBus } from '../events/event-bus.js';
import { authenticate, type ApiKeyEntry } from './auth.js';
import { errorHandler, notFoundHandler } from './error-handler.js';
import { agentRoutes } from './routes/agents.js';
import { environmentRoutes } from './routes/environments.js';
import { fileRoutes } from './routes/files.js';
import { sessionRoutes } from './routes/sessions.js';
import { eventRoutes } from './routes/events.js';
import { healthRoutes } from './routes/health.js';
import { registerRateLimit } from './rate-limit.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The workspace of the authenticated API key. */
    workspaceId: string;
  }
}

export interface AppOptions {
  ctx: CommandContext;
  bus: EventBus;
  apiKeys: readonly ApiKeyEntry[];
  logger: FastifyBaseLogger;
  maxBodyBytes: number;
  maxFileBytes: number;
  heartbeatMs: number;
  /** Requests per minute per API key on /v1/*; undefined disables the limit. */
  rateLimitPerMinute?: number | undefined;
  /** Resolves when the server starts shutting down; long-lived streams end then. */
  shuttingDown: AbortSignal;
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
  app.addHook('onRequest', async (req, reply) => {
    void reply.header('request-id', req.id);
    if (req.url.startsWith('/v1/')) req.workspaceId = authenticate(req, opts.apiKeys);
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler(notFoundHandler);
  await registerRateLimit(app, opts.rateLimitPerMinute);

  healthRoutes(app);
  agentRoutes(app, opts.ctx);
  environmentRoutes(app, opts.ctx);
  fileRoutes(app, opts.ctx, { maxFileBytes: opts.maxFileBytes });
  sessionRoutes(app, opts.ctx);
  eventRoutes(app, opts.ctx, { bus: opts.bus, heartbeatMs: opts.heartbeatMs, shuttingDown: opts.shuttingDown });
  return app;
}

// GET /health: 200 once the server accepts requests (public, for probes: the one route without auth).
import type { FastifyInstance } from 'fastify';

export function healthRoutes(app: FastifyInstance): void {
  app.get('/health', { config: { public: true } }, async () => ({ status: 'ok' }));
}

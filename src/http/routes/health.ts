// GET /health: 200 once the server accepts requests (unauthenticated, for probes).
import type { FastifyInstance } from 'fastify';

export function healthRoutes(app: FastifyInstance): void {
  app.get('/health', async () => ({ status: 'ok' }));
}

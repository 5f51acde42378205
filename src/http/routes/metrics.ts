// GET /metrics: this process's Prometheus metrics in the text exposition format. Not public: an
// API key is required (as `x-api-key` or `Authorization: Bearer`, which Prometheus's
// `authorization` scrape setting sends). Outside the rate limit, so a scrape is never refused.
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../telemetry/metrics.js';

export function metricsRoutes(app: FastifyInstance, metrics: Metrics): void {
  app.get('/metrics', async (_req, reply) => {
    const { contentType, body } = await metrics.exposition();
    return reply.type(contentType).send(body);
  });
}

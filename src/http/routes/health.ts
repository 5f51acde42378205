// GET /health: liveness, 200 while the process answers. GET /health/ready: readiness, 200 only
// while this process can do its work (database reachable, replica bus listening, not shutting
// down), else 503 in the error envelope, so a load balancer stops sending it requests. Both are
// public, for probes: the only routes without auth.
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.js';

/** Why this process is not ready, or undefined when it is. */
export type Readiness = () => Promise<string | undefined>;

export function healthRoutes(app: FastifyInstance, readiness: Readiness): void {
  app.get('/health', { config: { public: true } }, async () => ({ status: 'ok' }));
  app.get('/health/ready', { config: { public: true } }, async () => {
    const problem = await readiness();
    if (problem) throw new ApiError(503, 'overloaded_error', `not ready: ${problem}`);
    return { status: 'ready' };
  });
}

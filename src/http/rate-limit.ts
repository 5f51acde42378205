// Optional per-API-key request rate limit for the API's routes (AGENTD_RATE_LIMIT_PER_MINUTE), answered with 429.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import { rateLimited } from '../errors.js';
import { digestKey, presentedKey } from './auth.js';

/**
 * Registered inside the /v1 API plugin, before its routes: the limiter attaches its hook to the
 * routes registered after it in that plugin (so /health is never limited). Its hook runs after the
 * app-level auth hook, so only valid keys get here and a caller with a bad key is told 401
 * without spending anyone's quota.
 */
export async function registerRateLimit(app: FastifyInstance, perMinute: number | undefined): Promise<void> {
  if (perMinute === undefined) return;
  await app.register(rateLimit, {
    max: perMinute,
    timeWindow: 60_000,
    // One bucket per key (by digest, so the raw key is not kept in the limiter's cache),
    // the same whether it came as x-api-key or as a bearer token.
    keyGenerator: (req) => `${req.workspaceId}:${digestKey(presentedKey(req) ?? '').toString('hex')}`,
    // Thrown, so the envelope comes from the error registry like every other error.
    errorResponseBuilder: (_req, ctx) =>
      rateLimited(`rate limit exceeded: at most ${ctx.max} requests per minute; retry in ${ctx.after}`),
  });
}

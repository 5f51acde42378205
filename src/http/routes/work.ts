// The worker side of /v1/environments/:id/work: poll (long-poll), ack, heartbeat, stop — as the
// SDK's WorkPoller and EnvironmentWorker call them with the environment key or a session token.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { CommandContext } from '../../commands/context.js';
import { getEnvironment } from '../../commands/environments.js';
import type { WorkQueue } from '../../work/work-queue.js';
import type { Holder } from '../../domain/work-lease.js';
import { ApiError, invalidRequest } from '../../errors.js';
import { presentWork } from '../presenters/work.js';
import { queryInt, queryString, type Query } from '../query.js';
import { parseInput } from '../validate.js';
import { forPrincipals } from '../route-config.js';
import type { CredentialWatch } from '../credential-watch.js';

type EnvParams = { Params: { environment_id: string }; Querystring: Query };
type WorkParams = { Params: { environment_id: string; work_id: string }; Querystring: Query };

export interface WorkRouteOptions {
  queue: WorkQueue;
  shuttingDown: AbortSignal;
  /** AGENTD_PUBLIC_URL: the URL workers reach this server at; else the one the poll came in on. */
  publicUrl?: string | undefined;
  /** Ends long polls whose key is revoked; re-checked at once after a stop. */
  credentials: CredentialWatch;
}

const MAX_TTL_SECONDS = 3600;
const stopSchema = z.strictObject({ force: z.boolean().optional() });

/** A session token acts for the claim it was minted for; the environment key for any claim. */
const holderOf = (req: FastifyRequest): Holder =>
  req.principal.kind === 'work_token' ? { claim: req.principal.claim } : {};

function intInRange(q: Query, name: string, min: number, max: number): number | undefined {
  const n = queryInt(q, name);
  if (n !== undefined && (n < min || n > max)) throw invalidRequest(`${name}: must be an integer from ${min} to ${max}`);
  return n;
}

/**
 * A 409 here is a state conflict (already stopped, not acknowledged...) that no retry fixes:
 * say so, or the SDK would retry it as a lock timeout.
 */
async function noRetryOnConflict<T>(reply: FastifyReply, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApiError && err.status === 409) void reply.header('x-should-retry', 'false');
    throw err;
  }
}

export function workRoutes(app: FastifyInstance, ctx: CommandContext, opts: WorkRouteOptions): void {
  const { queue } = opts;
  const environment = (req: FastifyRequest<EnvParams>) => getEnvironment(ctx.store, req.workspaceId, req.params.environment_id);

  app.get<EnvParams>('/v1/environments/:environment_id/work/poll', forPrincipals('environment_key'), async (req, reply) => {
    const env = await environment(req);
    const blockMs = intInRange(req.query, 'block_ms', 1, 999) ?? 0;
    const reclaimOlderThanMs = intInRange(req.query, 'reclaim_older_than_ms', 0, Number.MAX_SAFE_INTEGER);
    const workerId = req.headers['anthropic-worker-id'];
    // Stop waiting when the worker hangs up, the server shuts down or the key is revoked.
    const gone = new AbortController();
    const onClose = () => gone.abort();
    reply.raw.once('close', onClose);
    opts.shuttingDown.addEventListener('abort', onClose);
    const unwatch = opts.credentials.watch(req, onClose);
    try {
      const claimed = await queue.poll(env.id, {
        blockMs,
        reclaimOlderThanMs,
        workerId: typeof workerId === 'string' && workerId !== '' ? workerId.slice(0, 256) : undefined,
        signal: gone.signal,
        apiBaseUrl: opts.publicUrl ?? `${req.protocol}://${req.host}`,
      });
      return reply.send(claimed ? presentWork(claimed.item, claimed.secret) : null);
    } finally {
      unwatch();
      reply.raw.off('close', onClose);
      opts.shuttingDown.removeEventListener('abort', onClose);
    }
  });

  app.post<WorkParams>('/v1/environments/:environment_id/work/:work_id/ack', forPrincipals('environment_key', 'work_token'), async (req, reply) => {
    const env = await environment(req);
    return presentWork(await noRetryOnConflict(reply, () => queue.ack(env.id, req.params.work_id, holderOf(req))));
  });

  app.post<WorkParams>('/v1/environments/:environment_id/work/:work_id/heartbeat', forPrincipals('environment_key', 'work_token'), async (req, reply) => {
    const env = await environment(req);
    const ttlSeconds = intInRange(req.query, 'desired_ttl_seconds', 1, MAX_TTL_SECONDS);
    const expected = queryString(req.query, 'expected_last_heartbeat');
    return noRetryOnConflict(reply, () =>
      queue.heartbeat(env.id, req.params.work_id, { expected, ttlSeconds, holder: holderOf(req) }),
    );
  });

  app.post<WorkParams>(
    '/v1/environments/:environment_id/work/:work_id/stop',
    forPrincipals('api_key', 'environment_key', 'work_token'),
    async (req, reply) => {
    const env = await environment(req);
    const { force } = parseInput(stopSchema, req.body);
    const stopped = await noRetryOnConflict(reply, () => queue.stop(env.id, req.params.work_id, force ?? false, holderOf(req)));
    await opts.credentials.recheck(); // the item's session token (and the key's reach) have ended when this answers
    return presentWork(stopped);
  });
}

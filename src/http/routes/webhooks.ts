// /v1/organizations/webhooks: endpoint management. Like the hosted API it answers only requests
// that carry the `webhooks-2026-10-07` beta (the SDK sends it); others get 404.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { webhookCreateSchema, webhookUpdateSchema } from '../../api/schemas/webhook.js';
import type { CommandContext } from '../../commands/context.js';
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  regenerateSecret,
  updateEndpoint,
} from '../../commands/webhooks/endpoints.js';
import type { PrivateTargets } from '../../domain/webhook-target.js';
import { invalidRequest, notFound } from '../../errors.js';
import { idPageRequest, pageOfList } from '../../gateway/id-page.js';
import { presentEndpoint, presentNewEndpoint } from '../presenters/webhook.js';
import { queryString, type Query } from '../query.js';
import { parseInput } from '../validate.js';

export const WEBHOOKS_BETA = 'webhooks-2026-10-07';

type IdParams = { Params: { webhook_endpoint_id: string } };

function requireBeta(req: FastifyRequest): void {
  const header = req.headers['anthropic-beta'];
  const betas = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((b) => b.trim());
  if (!betas.includes(WEBHOOKS_BETA)) {
    throw notFound(`webhook endpoints need the "anthropic-beta: ${WEBHOOKS_BETA}" header`);
  }
}

export function webhookRoutes(app: FastifyInstance, ctx: CommandContext, opts: { privateTargets: PrivateTargets }): void {
  const beta = { preHandler: async (req: FastifyRequest) => requireBeta(req) };

  app.post('/v1/organizations/webhooks', beta, async (req) =>
    presentNewEndpoint(await createEndpoint(ctx, opts.privateTargets, parseInput(webhookCreateSchema, req.body))),
  );

  app.get<IdParams>('/v1/organizations/webhooks/:webhook_endpoint_id', beta, async (req) =>
    presentEndpoint(await getEndpoint(ctx, req.params.webhook_endpoint_id)),
  );

  app.post<IdParams>('/v1/organizations/webhooks/:webhook_endpoint_id', beta, async (req) =>
    presentEndpoint(
      await updateEndpoint(ctx, opts.privateTargets, req.params.webhook_endpoint_id, parseInput(webhookUpdateSchema, req.body)),
    ),
  );

  app.get<{ Querystring: Query }>('/v1/organizations/webhooks', beta, async (req) => {
    const order = queryString(req.query, 'order') ?? 'desc';
    if (order !== 'asc' && order !== 'desc') throw invalidRequest('order: must be "asc" or "desc"');
    const all = (await ctx.store.webhooks.listEndpoints()).map(presentEndpoint);
    // Endpoints are few (one installation's): paged in memory by created_at (ids sort by creation).
    if (order === 'desc') all.reverse();
    return pageOfList(all, idPageRequest(req.query, 100, 20));
  });

  app.delete<IdParams>('/v1/organizations/webhooks/:webhook_endpoint_id', beta, async (req) => {
    await deleteEndpoint(ctx, req.params.webhook_endpoint_id);
    return { id: req.params.webhook_endpoint_id, type: 'webhook_endpoint_deleted' as const };
  });

  app.post<IdParams>('/v1/organizations/webhooks/:webhook_endpoint_id/regenerate_signing_secret', beta, async (req) => ({
    signing_secret: await regenerateSecret(ctx, req.params.webhook_endpoint_id),
  }));
}

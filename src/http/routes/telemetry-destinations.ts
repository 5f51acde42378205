// /v1/organizations/telemetry_destinations: OpenTelemetry destinations. Like the hosted API it
// answers only requests that carry the `telemetry-destinations-2026-08-11` beta (the SDK sends it).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { telemetryDestinationCreateSchema, telemetryDestinationUpdateSchema } from '../../api/schemas/telemetry-destination.js';
import {
  createDestination,
  deleteDestination,
  getDestination,
  openHeaders,
  updateDestination,
  type DestinationDeps,
} from '../../commands/telemetry/destinations.js';
import { tracesUrl } from '../../domain/records/telemetry-destination.js';
import { invalidRequest, notFound } from '../../errors.js';
import { presentDestination } from '../presenters/telemetry-destination.js';
import { queryArray, queryString, type Query } from '../query.js';
import { parseInput } from '../validate.js';

export const TELEMETRY_DESTINATIONS_BETA = 'telemetry-destinations-2026-08-11';

type IdParams = { Params: { destination_id: string } };

function requireBeta(req: FastifyRequest): void {
  const header = req.headers['anthropic-beta'];
  const betas = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((b) => b.trim());
  if (!betas.includes(TELEMETRY_DESTINATIONS_BETA)) {
    throw notFound(`telemetry destinations need the "anthropic-beta: ${TELEMETRY_DESTINATIONS_BETA}" header`);
  }
}

export function telemetryDestinationRoutes(app: FastifyInstance, deps: DestinationDeps & { serviceName: string }): void {
  const beta = { preHandler: async (req: FastifyRequest) => requireBeta(req) };
  const path = '/v1/organizations/telemetry_destinations';

  app.post(path, beta, async (req) => presentDestination(await createDestination(deps, parseInput(telemetryDestinationCreateSchema, req.body))));

  app.get<IdParams>(`${path}/:destination_id`, beta, async (req) => presentDestination(await getDestination(deps, req.params.destination_id)));

  app.post<IdParams>(`${path}/:destination_id`, beta, async (req) =>
    presentDestination(await updateDestination(deps, req.params.destination_id, parseInput(telemetryDestinationUpdateSchema, req.body))),
  );

  // Newest first; `page` is the id of the last destination of the previous page (they are few: ≤ 10).
  app.get<{ Querystring: Query }>(path, beta, async (req) => {
    const rawLimit = queryString(req.query, 'limit');
    const limit = rawLimit === undefined ? 20 : Number(rawLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalidRequest('limit: must be an integer from 1 to 100');
    const workspaceIds = queryArray(req.query, 'workspace_ids');
    if (workspaceIds && workspaceIds.length > 100) throw invalidRequest('workspace_ids: at most 100');
    // Every destination covers all workspaces: it matches when an id is a workspace of the caller.
    const covers = !workspaceIds || workspaceIds.includes(req.workspaceId);
    const all = covers ? (await deps.store.telemetryDestinations.list()).reverse() : [];
    const page = queryString(req.query, 'page');
    const start = page === undefined ? 0 : all.findIndex((d) => d.id === page) + 1;
    if (page !== undefined && start === 0) throw invalidRequest('page: not a page token of this list');
    const data = all.slice(start, start + limit);
    const more = start + limit < all.length;
    return { data: data.map(presentDestination), next_page: more ? (data.at(-1)?.id ?? null) : null };
  });

  app.delete<IdParams>(`${path}/:destination_id`, beta, async (req) => {
    await deleteDestination(deps, req.params.destination_id);
    return { id: req.params.destination_id, type: 'telemetry_destination_deleted' as const };
  });

  // Sent whatever the destination's state; its configuration and delivery_health do not change.
  app.post<IdParams>(`${path}/:destination_id/test`, beta, async (req) => {
    const d = await getDestination(deps, req.params.destination_id);
    // Loaded on use: the OTLP serializer it needs is slow to load and most servers never test a destination.
    const { sendTestSpan } = await import('../../telemetry/test-span.js');
    const result = await sendTestSpan(tracesUrl(d), openHeaders(deps.secrets, d), deps.serviceName);
    return {
      type: 'telemetry_destination_test' as const,
      result: result.ok ? { type: 'success' as const } : { type: 'failure' as const, error: result.error },
    };
  });
}

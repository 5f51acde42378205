// /v1/sessions/{id}/resources: add, list, retrieve, update (token rotation), delete.
import type { FastifyInstance } from 'fastify';
import { resourceAddSchema, resourceUpdateSchema } from '../../api/schemas/session-resource.js';
import type { CommandContext } from '../../commands/context.js';
import {
  addSessionResource,
  deleteSessionResource,
  getSessionResource,
  listSessionResources,
  updateSessionResource,
} from '../../commands/session-resources.js';
import { pageRequest, wirePage } from '../pagination.js';
import type { Query } from '../query.js';
import { parseInput } from '../validate.js';

type SessionParams = { Params: { session_id: string } };
type ResourceParams = { Params: { session_id: string; resource_id: string } };

export function sessionResourceRoutes(app: FastifyInstance, ctx: CommandContext): void {
  app.post<SessionParams>('/v1/sessions/:session_id/resources', async (req) =>
    addSessionResource(ctx, req.workspaceId, req.params.session_id, parseInput(resourceAddSchema, req.body)),
  );

  app.get<SessionParams & { Querystring: Query }>('/v1/sessions/:session_id/resources', async (req) => {
    const page = pageRequest<string>(req.query, { defaultLimit: 20, maxLimit: 100, defaultOrder: 'asc', keyType: 'string' });
    const result = await listSessionResources(ctx, req.workspaceId, req.params.session_id, page);
    return wirePage(result, page, (r) => ('id' in r ? r.id : ''), (r) => r);
  });

  app.get<ResourceParams>('/v1/sessions/:session_id/resources/:resource_id', async (req) =>
    getSessionResource(ctx, req.workspaceId, req.params.session_id, req.params.resource_id),
  );

  app.post<ResourceParams>('/v1/sessions/:session_id/resources/:resource_id', async (req) =>
    updateSessionResource(
      ctx,
      req.workspaceId,
      req.params.session_id,
      req.params.resource_id,
      parseInput(resourceUpdateSchema, req.body),
    ),
  );

  app.delete<ResourceParams>('/v1/sessions/:session_id/resources/:resource_id', async (req) => {
    await deleteSessionResource(ctx, req.workspaceId, req.params.session_id, req.params.resource_id);
    return { id: req.params.resource_id, type: 'session_resource_deleted' as const };
  });
}

// /v1/environments: create, retrieve, update, list, delete (204), archive.
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import { environmentCreateSchema, environmentUpdateSchema } from '../../api/schemas/environment.js';
import type { CommandContext } from '../../commands/context.js';
import {
  archiveEnvironment,
  createEnvironment,
  deleteEnvironment,
  getEnvironment,
  updateEnvironment,
} from '../../commands/environments.js';
import { ApiError, invalidRequest } from '../../errors.js';
import { pageRequest, wirePage } from '../pagination.js';
import { presentEnvironment } from '../presenters/environment.js';
import { queryBoolean, type Query } from '../query.js';
import { parseInput } from '../validate.js';

type IdParams = { Params: { environment_id: string }; Querystring: Query };

/** Like parseInput, but metadata problems carry `invalid_metadata` (the SDK's BetaInvalidMetadataError). */
function parseEnvironmentInput<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  try {
    return parseInput(schema, body);
  } catch (err) {
    if (err instanceof ApiError && /^metadata[.:[]/.test(err.message)) throw invalidRequest(err.message, 'invalid_metadata');
    throw err;
  }
}

export function environmentRoutes(app: FastifyInstance, ctx: CommandContext): void {
  app.post('/v1/environments', async (req) =>
    presentEnvironment(
      await createEnvironment(ctx, req.workspaceId, parseEnvironmentInput(environmentCreateSchema, req.body)),
    ),
  );

  app.get<IdParams>('/v1/environments/:environment_id', async (req) =>
    presentEnvironment(await getEnvironment(ctx.store, req.workspaceId, req.params.environment_id)),
  );

  app.post<IdParams>('/v1/environments/:environment_id', async (req) =>
    presentEnvironment(
      await updateEnvironment(
        ctx,
        req.workspaceId,
        req.params.environment_id,
        parseEnvironmentInput(environmentUpdateSchema, req.body),
      ),
    ),
  );

  app.get<{ Querystring: Query }>('/v1/environments', async (req) => {
    const page = pageRequest<string>(req.query, { defaultLimit: 20, maxLimit: 100, defaultOrder: 'desc', keyType: 'string' });
    const result = await ctx.store.environments.list(
      req.workspaceId,
      { includeArchived: queryBoolean(req.query, 'include_archived') ?? false },
      page,
    );
    return wirePage(result, page, (e) => e.id, presentEnvironment);
  });

  app.delete<IdParams>('/v1/environments/:environment_id', async (req, reply) => {
    await deleteEnvironment(ctx, req.workspaceId, req.params.environment_id);
    return reply.code(204).send();
  });

  app.post<IdParams>('/v1/environments/:environment_id/archive', async (req) =>
    presentEnvironment(await archiveEnvironment(ctx, req.workspaceId, req.params.environment_id)),
  );
}

// The control side of /v1/environments/:id/work: list, retrieve, update (metadata), stats.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { metadataPatchSchema } from '../../api/schemas/common.js';
import type { CommandContext } from '../../commands/context.js';
import { getEnvironment } from '../../commands/environments.js';
import type { WorkQueue } from '../../work/work-queue.js';
import { ApiError, invalidRequest } from '../../errors.js';
import { pageRequest, wirePage } from '../pagination.js';
import { presentWork, presentWorkStats } from '../presenters/work.js';
import type { Query } from '../query.js';
import { parseInput } from '../validate.js';
import { forPrincipals } from '../route-config.js';

type EnvParams = { Params: { environment_id: string }; Querystring: Query };
type WorkParams = { Params: { environment_id: string; work_id: string } };

const updateSchema = z.strictObject({ metadata: metadataPatchSchema });

/** Metadata problems carry `invalid_metadata` (the SDK's BetaInvalidMetadataError). */
function parseUpdate(body: unknown): z.infer<typeof updateSchema> {
  try {
    return parseInput(updateSchema, body);
  } catch (err) {
    if (err instanceof ApiError && /^metadata[.:[]/.test(err.message)) throw invalidRequest(err.message, 'invalid_metadata');
    throw err;
  }
}

export function workItemRoutes(app: FastifyInstance, ctx: CommandContext, opts: { queue: WorkQueue }): void {
  const { queue } = opts;
  const environment = (req: FastifyRequest<{ Params: { environment_id: string } }>) =>
    getEnvironment(ctx.store, req.workspaceId, req.params.environment_id);

  app.get<EnvParams>('/v1/environments/:environment_id/work', forPrincipals('api_key', 'environment_key'), async (req) => {
    const env = await environment(req);
    const page = pageRequest<string>(req.query, { defaultLimit: 20, maxLimit: 100, defaultOrder: 'desc', keyType: 'string' });
    return wirePage(await queue.list(env.id, page), page, (w) => w.id, (w) => presentWork(w));
  });

  app.get<EnvParams>('/v1/environments/:environment_id/work/stats', async (req) =>
    presentWorkStats(await queue.stats((await environment(req)).id)),
  );

  app.get<WorkParams>('/v1/environments/:environment_id/work/:work_id', async (req) =>
    presentWork(await queue.get((await environment(req)).id, req.params.work_id)),
  );

  app.post<WorkParams>('/v1/environments/:environment_id/work/:work_id', async (req) => {
    const env = await environment(req);
    const { metadata } = parseUpdate(req.body);
    return presentWork(await queue.updateMetadata(env.id, req.params.work_id, metadata));
  });
}

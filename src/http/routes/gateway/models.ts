// GET /v1/models and /v1/models/{id}: agentd's model table and its AGENTD_MODEL_MAP aliases.
import type { FastifyInstance } from 'fastify';
import { invalidRequest, notFound } from '../../../errors.js';
import { idPageRequest, pageOfList } from '../../../gateway/id-page.js';
import type { ModelCatalog } from '../../../gateway/model-catalog.js';
import { queryArray, type Query } from '../../query.js';

const LIFECYCLES = new Set(['active', 'deprecated', 'retired']);

export function modelsRoutes(app: FastifyInstance, catalog: ModelCatalog): void {
  app.get<{ Querystring: Query }>('/v1/models', async (req) => {
    const lifecycle = queryArray(req.query, 'lifecycle');
    const bad = lifecycle?.find((l) => !LIFECYCLES.has(l));
    if (bad !== undefined) throw invalidRequest(`lifecycle: "${bad}" is not one of active, deprecated, retired`);
    const models = catalog.all().filter((m) => !lifecycle || lifecycle.includes(m.lifecycle));
    return pageOfList(models, idPageRequest(req.query));
  });

  app.get<{ Params: { model_id: string } }>('/v1/models/:model_id', async (req) => {
    const model = catalog.get(req.params.model_id);
    if (!model) throw notFound(`model: ${req.params.model_id}`);
    return model;
  });
}

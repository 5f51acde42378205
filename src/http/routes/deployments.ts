// /v1/deployments and /v1/deployment_runs.
import type { FastifyInstance } from 'fastify';
import { deploymentCreateSchema, deploymentUpdateSchema } from '../../api/schemas/deployment.js';
import type { CommandContext } from '../../commands/context.js';
import {
  archiveDeployment,
  createDeployment,
  getDeployment,
  pauseDeployment,
  unpauseDeployment,
  updateDeployment,
} from '../../commands/deployments/deployments.js';
import { runDeploymentNow } from '../../commands/deployments/run-deployment.js';
import { invalidRequest, notFound } from '../../errors.js';
import { pageRequest, wirePage } from '../pagination.js';
import { presentDeployment, presentDeploymentRun } from '../presenters/deployment.js';
import { createdAtFilter, queryBoolean, queryString, type Query } from '../query.js';
import { parseInput } from '../validate.js';

type IdParams = { Params: { deployment_id: string } };

function oneOf<T extends string>(q: Query, name: string, allowed: readonly T[]): T | undefined {
  const v = queryString(q, name);
  if (v !== undefined && !(allowed as readonly string[]).includes(v)) {
    throw invalidRequest(`${name}: expected one of ${allowed.join(', ')}`);
  }
  return v as T | undefined;
}

export function deploymentRoutes(app: FastifyInstance, ctx: CommandContext): void {
  // upcoming_runs_at is computed from the server's clock (tests inject one).
  const now = () => Date.parse(ctx.now());
  app.post('/v1/deployments', async (req) =>
    presentDeployment(now(), await createDeployment(ctx, req.workspaceId, parseInput(deploymentCreateSchema, req.body))),
  );

  app.get<IdParams>('/v1/deployments/:deployment_id', async (req) =>
    presentDeployment(now(), await getDeployment(ctx.store, req.workspaceId, req.params.deployment_id)),
  );

  app.post<IdParams>('/v1/deployments/:deployment_id', async (req) =>
    presentDeployment(
      now(),
      await updateDeployment(ctx, req.workspaceId, req.params.deployment_id, parseInput(deploymentUpdateSchema, req.body)),
    ),
  );

  app.get<{ Querystring: Query }>('/v1/deployments', async (req) => {
    const q = req.query;
    const page = pageRequest<string>(q, { defaultLimit: 20, maxLimit: 100, defaultOrder: 'desc', keyType: 'string' });
    const result = await ctx.store.deployments.list(
      req.workspaceId,
      {
        includeArchived: queryBoolean(q, 'include_archived') ?? false,
        agentId: queryString(q, 'agent_id'),
        status: oneOf(q, 'status', ['active', 'paused'] as const),
        createdAt: createdAtFilter(q),
      },
      page,
    );
    const at = now();
    return wirePage(result, page, (d) => d.id, (d) => presentDeployment(at, d), true);
  });

  app.post<IdParams>('/v1/deployments/:deployment_id/archive', async (req) =>
    presentDeployment(now(), await archiveDeployment(ctx, req.workspaceId, req.params.deployment_id)),
  );
  app.post<IdParams>('/v1/deployments/:deployment_id/pause', async (req) =>
    presentDeployment(now(), await pauseDeployment(ctx, req.workspaceId, req.params.deployment_id)),
  );
  app.post<IdParams>('/v1/deployments/:deployment_id/unpause', async (req) =>
    presentDeployment(now(), await unpauseDeployment(ctx, req.workspaceId, req.params.deployment_id)),
  );
  app.post<IdParams>('/v1/deployments/:deployment_id/run', async (req) =>
    presentDeploymentRun(await runDeploymentNow(ctx, req.log, req.workspaceId, req.params.deployment_id)),
  );

  app.get<{ Params: { deployment_run_id: string } }>('/v1/deployment_runs/:deployment_run_id', async (req) => {
    const run = await ctx.store.deployments.getRun(req.workspaceId, req.params.deployment_run_id);
    if (!run) throw notFound(`deployment run ${req.params.deployment_run_id} not found`);
    return presentDeploymentRun(run);
  });

  app.get<{ Querystring: Query }>('/v1/deployment_runs', async (req) => {
    const q = req.query;
    const page = pageRequest<string>(q, { defaultLimit: 20, maxLimit: 100, defaultOrder: 'desc', keyType: 'string' });
    const result = await ctx.store.deployments.listRuns(
      req.workspaceId,
      {
        deploymentId: queryString(q, 'deployment_id'),
        triggerType: oneOf(q, 'trigger_type', ['schedule', 'manual'] as const),
        hasError: queryBoolean(q, 'has_error'),
        createdAt: createdAtFilter(q),
      },
      page,
    );
    return wirePage(result, page, (r) => r.id, presentDeploymentRun, true);
  });
}

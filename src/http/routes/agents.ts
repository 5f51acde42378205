// /v1/agents: create, retrieve (optionally a past version), update, list, archive, versions.
import type { FastifyInstance } from 'fastify';
import { agentCreateSchema, agentUpdateSchema } from '../../api/schemas/agent.js';
import { archiveAgent, createAgent, getAgent, updateAgent } from '../../commands/agents.js';
import type { CommandContext } from '../../commands/context.js';
import { notFound } from '../../errors.js';
import { pageRequest, wirePage } from '../pagination.js';
import { presentAgent, presentAgentVersion } from '../presenters/agent.js';
import { createdAtFilter, queryBoolean, queryInt, type Query } from '../query.js';
import { parseInput } from '../validate.js';

type IdParams = { Params: { agent_id: string }; Querystring: Query };

export function agentRoutes(app: FastifyInstance, ctx: CommandContext): void {
  app.post('/v1/agents', async (req) =>
    presentAgent(await createAgent(ctx, req.workspaceId, parseInput(agentCreateSchema, req.body))),
  );

  app.get<IdParams>('/v1/agents/:agent_id', async (req) => {
    const agent = await getAgent(ctx.store, req.workspaceId, req.params.agent_id);
    const version = queryInt(req.query, 'version');
    if (version === undefined || version === agent.version) return presentAgent(agent);
    const past = await ctx.store.agents.getVersion(agent.id, version);
    if (!past) throw notFound(`agent ${agent.id} has no version ${version}`);
    return presentAgentVersion(agent, past);
  });

  app.post<IdParams>('/v1/agents/:agent_id', async (req) =>
    presentAgent(await updateAgent(ctx, req.workspaceId, req.params.agent_id, parseInput(agentUpdateSchema, req.body))),
  );

  app.get<{ Querystring: Query }>('/v1/agents', async (req) => {
    const page = pageRequest<string>(req.query, { defaultLimit: 20, maxLimit: 100, defaultOrder: 'desc', keyType: 'string' });
    const result = await ctx.store.agents.list(
      req.workspaceId,
      { includeArchived: queryBoolean(req.query, 'include_archived') ?? false, createdAt: createdAtFilter(req.query) },
      page,
    );
    return wirePage(result, page, (a) => a.id, presentAgent);
  });

  app.post<IdParams>('/v1/agents/:agent_id/archive', async (req) =>
    presentAgent(await archiveAgent(ctx, req.workspaceId, req.params.agent_id)),
  );

  app.get<IdParams>('/v1/agents/:agent_id/versions', async (req) => {
    const agent = await getAgent(ctx.store, req.workspaceId, req.params.agent_id);
    const page = pageRequest<number>(req.query, { defaultLimit: 20, maxLimit: 100, defaultOrder: 'desc', keyType: 'number' });
    const result = await ctx.store.agents.listVersions(agent.id, page);
    return wirePage(result, page, (v) => v.version, (v) => presentAgentVersion(agent, v));
  });
}

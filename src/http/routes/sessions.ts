// /v1/sessions: create, retrieve, update, list, archive, delete.
import type { FastifyInstance } from 'fastify';
import { sessionCreateSchema, sessionUpdateSchema } from '../../api/schemas/session.js';
import type { CommandContext } from '../../commands/context.js';
import { archiveSession, createSession, deleteSession, getSession, updateSession } from '../../commands/sessions.js';
import { invalidRequest } from '../../errors.js';
import { SessionStatus } from '../../store/types.js';
import { pageRequest, wirePage } from '../pagination.js';
import { presentSession } from '../presenters/session.js';
import { createdAtFilter, queryArray, queryBoolean, queryInt, queryString, type Query } from '../query.js';
import { parseInput } from '../validate.js';
import { forPrincipals } from '../route-config.js';

type IdParams = { Params: { session_id: string } };
const STATUSES = Object.values(SessionStatus) as string[];

export function sessionRoutes(app: FastifyInstance, ctx: CommandContext): void {
  app.post('/v1/sessions', async (req) =>
    presentSession(await createSession(ctx, req.workspaceId, parseInput(sessionCreateSchema, req.body))),
  );

  app.get<IdParams>('/v1/sessions/:session_id', forPrincipals('api_key', 'environment_key', 'work_token'), async (req) =>
    presentSession(await getSession(ctx.store, req.workspaceId, req.params.session_id)),
  );

  app.post<IdParams>('/v1/sessions/:session_id', async (req) =>
    presentSession(
      await updateSession(ctx, req.workspaceId, req.params.session_id, parseInput(sessionUpdateSchema, req.body)),
    ),
  );

  app.get<{ Querystring: Query }>('/v1/sessions', async (req) => {
    const q = req.query;
    const page = pageRequest<string>(q, { defaultLimit: 20, maxLimit: 100, defaultOrder: 'desc', keyType: 'string' });
    const statuses = queryArray(q, 'statuses');
    const bad = statuses?.find((s) => !STATUSES.includes(s));
    if (bad !== undefined) throw invalidRequest(`statuses: unknown status "${bad}"; expected ${STATUSES.join(', ')}`);
    const result = await ctx.store.sessions.list(
      req.workspaceId,
      {
        includeArchived: queryBoolean(q, 'include_archived') ?? false,
        agentId: queryString(q, 'agent_id'),
        agentVersion: queryInt(q, 'agent_version'),
        environmentId: queryString(q, 'environment_id'),
        deploymentId: queryString(q, 'deployment_id'),
        memoryStoreId: queryString(q, 'memory_store_id'),
        statuses: statuses as SessionStatus[] | undefined,
        createdAt: createdAtFilter(q),
      },
      page,
    );
    const now = Date.now();
    return wirePage(result, page, (s) => s.id, (s) => presentSession(s, now), true);
  });

  app.post<IdParams>('/v1/sessions/:session_id/archive', async (req) =>
    presentSession(await archiveSession(ctx, req.workspaceId, req.params.session_id)),
  );

  app.delete<IdParams>('/v1/sessions/:session_id', async (req) => {
    await deleteSession(ctx, req.workspaceId, req.params.session_id);
    return { id: req.params.session_id, type: 'session_deleted' };
  });
}

// /v1/sessions/:id/threads: multi-agent threads (list, retrieve, archive) and each thread's own
// events (list, SSE stream with Last-Event-ID, as the session's stream).
import type { FastifyInstance } from 'fastify';
import type { CommandContext } from '../../commands/context.js';
import { getSession } from '../../commands/sessions-read.js';
import { archiveThread, getThread, listThreads, logThreadId } from '../../commands/threads.js';
import type { EventRecord } from '../../store/types.js';
import { pageRequest, wirePage } from '../pagination.js';
import { presentEvent } from '../presenters/event.js';
import { createdAtFilter, queryArray, type Query } from '../query.js';
import { forPrincipals } from '../route-config.js';
import { lastEventId, streamLog, type EventRouteOptions } from './events.js';

type ThreadParams = { Params: { session_id: string; thread_id: string }; Querystring: Query };

export function threadRoutes(app: FastifyInstance, ctx: CommandContext, opts: EventRouteOptions): void {
  const readers = forPrincipals('api_key', 'environment_key', 'work_token');

  app.get<{ Params: { session_id: string }; Querystring: Query }>('/v1/sessions/:session_id/threads', readers, async (req) => {
    const session = await getSession(ctx.store, req.workspaceId, req.params.session_id);
    const statuses = queryArray(req.query, 'statuses');
    const threads = (await listThreads(ctx.store, session)).filter((t) => !statuses || statuses.length === 0 || statuses.includes(t.status));
    // A session has at most a few dozen threads: one page.
    return { data: threads, next_page: null };
  });

  app.get<ThreadParams>('/v1/sessions/:session_id/threads/:thread_id', readers, async (req) => {
    const session = await getSession(ctx.store, req.workspaceId, req.params.session_id);
    return getThread(ctx.store, session, req.params.thread_id);
  });

  app.post<ThreadParams>('/v1/sessions/:session_id/threads/:thread_id/archive', async (req) => {
    const session = await getSession(ctx.store, req.workspaceId, req.params.session_id);
    return archiveThread(ctx, session, req.params.thread_id);
  });

  app.get<ThreadParams>('/v1/sessions/:session_id/threads/:thread_id/events', readers, async (req) => {
    const session = await getSession(ctx.store, req.workspaceId, req.params.session_id);
    const threadId = logThreadId(session, await getThread(ctx.store, session, req.params.thread_id));
    const page = pageRequest<number>(req.query, { defaultLimit: 1000, maxLimit: 1000, defaultOrder: 'asc', keyType: 'number' });
    const result = await ctx.store.events.list(session.id, { createdAt: createdAtFilter(req.query), view: { kind: 'thread', threadId } }, page);
    return wirePage(result, page, (e) => e.seq, presentEvent);
  });

  app.get<ThreadParams>('/v1/sessions/:session_id/threads/:thread_id/stream', readers, async (req, reply) => {
    const resumeAfter = lastEventId(req.headers['last-event-id']);
    const session = await getSession(ctx.store, req.workspaceId, req.params.session_id);
    const threadId = logThreadId(session, await getThread(ctx.store, session, req.params.thread_id));
    streamLog(req, reply, ctx, opts, session, resumeAfter, (r: EventRecord) => r.threadId === threadId);
  });
}

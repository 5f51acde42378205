// /v1/sessions/:id/events: send (batch), list (paginated), and the SSE stream.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendEventsSchema } from '../../api/schemas/event.js';
import type { CommandContext } from '../../commands/context.js';
import { sendEvents } from '../../commands/events.js';
import { getSession } from '../../commands/sessions-read.js';
import { invalidRequest } from '../../errors.js';
import type { EventBus } from '../../events/event-bus.js';
import type { EventRecord, SessionRecord } from '../../store/types.js';
import { followLog } from '../../events/log-follower.js';
import { pageRequest, wirePage } from '../pagination.js';
import { presentEvent } from '../presenters/event.js';
import { createdAtFilter, queryArray, type Query } from '../query.js';
import { PING_FRAME, openSseResponse, sseFrame, writeWithBackpressure } from '../sse.js';
import { parseInput } from '../validate.js';
import { forPrincipals } from '../route-config.js';

type IdParams = { Params: { session_id: string }; Querystring: Query };

/**
 * Published records are shared by every stream of the session: serialise each once, not once per
 * stream (100 streams on a session would otherwise do 100 JSON encodings per event).
 */
const frames = new WeakMap<EventRecord, string>();
function frameOf(r: EventRecord): string {
  let frame = frames.get(r);
  if (frame === undefined) frames.set(r, (frame = sseFrame(r.seq, r.type, presentEvent(r))));
  return frame;
}

export interface EventRouteOptions {
  bus: EventBus;
  heartbeatMs: number;
  shuttingDown: AbortSignal;
}

export function lastEventId(raw: string | string[] | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = Array.isArray(raw) ? raw[0]! : raw;
  const seq = Number(value);
  if (!Number.isInteger(seq) || seq < 0) throw invalidRequest(`Last-Event-ID: "${value}" is not an event sequence number`);
  return seq;
}

export function eventRoutes(app: FastifyInstance, ctx: CommandContext, opts: EventRouteOptions): void {
  app.post<IdParams>('/v1/sessions/:session_id/events', forPrincipals('api_key', 'environment_key', 'work_token'), async (req) => {
    const { events } = parseInput(sendEventsSchema, req.body);
    const records = await sendEvents(ctx, req.workspaceId, req.params.session_id, events);
    return { data: records.map(presentEvent) };
  });

  app.get<IdParams>('/v1/sessions/:session_id/events', forPrincipals('api_key', 'environment_key', 'work_token'), async (req) => {
    const session = await getSession(ctx.store, req.workspaceId, req.params.session_id);
    const page = pageRequest<number>(req.query, { defaultLimit: 1000, maxLimit: 1000, defaultOrder: 'asc', keyType: 'number' });
    const result = await ctx.store.events.list(
      session.id,
      { types: queryArray(req.query, 'types'), createdAt: createdAtFilter(req.query), view: { kind: 'session' } },
      page,
    );
    return wirePage(result, page, (e) => e.seq, presentEvent);
  });

  app.get<IdParams>('/v1/sessions/:session_id/events/stream', forPrincipals('api_key', 'environment_key', 'work_token'), async (req, reply) => {
    const resumeAfter = lastEventId(req.headers['last-event-id']);
    const session = await getSession(ctx.store, req.workspaceId, req.params.session_id);
    streamLog(req, reply, ctx, opts, session, resumeAfter, onSessionStream);
  });
}

/** The session's stream: its own events and the ones its threads cross-post. */
export const onSessionStream = (r: EventRecord) => r.threadId === null || r.crossPosted === true;

/**
 * Streams the session's log as SSE from `resumeAfter` (Last-Event-ID) or from now, showing the
 * events `visible` keeps (sequence numbers are the session's, so Last-Event-ID works on any view).
 */
export function streamLog(
  req: FastifyRequest,
  reply: FastifyReply,
  ctx: CommandContext,
  opts: EventRouteOptions,
  session: SessionRecord,
  resumeAfter: number | undefined,
  visible: (r: EventRecord) => boolean,
): void {
  // Without Last-Event-ID a stream carries only what happens after it opens.
  const afterSeq = resumeAfter ?? session.lastSeq;
  const res = reply.raw;
  reply.hijack();
  openSseResponse(res, String(req.id));

  let stop = () => {};
  const close = () => {
    stop();
    clearInterval(heartbeat);
    opts.shuttingDown.removeEventListener('abort', close);
    if (!res.writableEnded) res.end();
  };
  const heartbeat = setInterval(() => res.write(PING_FRAME), opts.heartbeatMs);
  heartbeat.unref();
  stop = followLog({
    store: ctx.store,
    bus: opts.bus,
    sessionId: session.id,
    afterSeq,
    deliver: async (records) => {
      const shown = records.filter(visible);
      if (shown.length > 0) await writeWithBackpressure(res, shown.map(frameOf).join(''));
    },
    onEnd: () => {
      res.write(sseFrame(undefined, 'session.deleted', {
        id: `${session.id}_deleted`,
        type: 'session.deleted',
        processed_at: new Date().toISOString(),
      }));
      close();
    },
    onError: (err) => {
      req.log.error({ err, session_id: session.id }, 'event stream failed');
      close();
    },
  });
  req.raw.on('close', close);
  opts.shuttingDown.addEventListener('abort', close);
}

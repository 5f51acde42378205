// /v1/sessions/:id/events: send (batch), list (paginated), and the SSE stream.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendEventsSchema } from '../../api/schemas/event.js';
import type { CommandContext } from '../../commands/context.js';
import { sendEvents } from '../../commands/events.js';
import { getSession } from '../../commands/sessions-read.js';
import { invalidRequest } from '../../errors.js';
import { MAX_INT32 } from '../../api/schemas/common.js';
import type { EventBus } from '../../events/event-bus.js';
import type { DeltaChannel } from '../../events/delta-channel.js';
import type { EventRecord, SessionRecord } from '../../store/types.js';
import { followLog } from '../../events/log-follower.js';
import { pageRequest, wirePage } from '../pagination.js';
import { presentEvent } from '../presenters/event.js';
import { createdAtFilter, queryArray, type Query } from '../query.js';
import { encodeFrame, openSseResponse, sseFrame, type EncodedFrame } from '../sse.js';
import { BoundedSseWriter, type SseLimits } from '../sse-writer.js';
import type { CredentialWatch } from '../credential-watch.js';
import { parseInput } from '../validate.js';
import { forPrincipals } from '../route-config.js';

type IdParams = { Params: { session_id: string }; Querystring: Query };

/**
 * Published records are shared by every stream of the session: serialise each once, not once per
 * stream (100 streams on a session would otherwise do 100 JSON encodings per event).
 */
const frames = new WeakMap<EventRecord, EncodedFrame>();
function frameOf(r: EventRecord): EncodedFrame {
  let frame = frames.get(r);
  if (frame === undefined) frames.set(r, (frame = encodeFrame(sseFrame(r.seq, r.type, presentEvent(r)))));
  return frame;
}

export interface EventRouteOptions {
  bus: EventBus;
  deltas: DeltaChannel;
  heartbeatMs: number;
  shuttingDown: AbortSignal;
  /** Each stream's send buffer bound, in bytes and time. */
  sse: SseLimits;
  /** Ends a stream whose credential is revoked. */
  credentials: CredentialWatch;
}

const PREVIEWABLE = ['agent.message', 'agent.thinking'] as const;
type Previewable = (typeof PREVIEWABLE)[number];

/** The event types a stream previews live (`event_deltas`, repeatable); none by default. */
function eventDeltas(q: Query): ReadonlySet<Previewable> {
  const asked = queryArray(q, 'event_deltas') ?? [];
  for (const t of asked) {
    if (!(PREVIEWABLE as readonly string[]).includes(t)) {
      throw invalidRequest(`event_deltas: "${t}" cannot be previewed; expected ${PREVIEWABLE.map((p) => `"${p}"`).join(' or ')}`);
    }
  }
  return new Set(asked as Previewable[]);
}

export function lastEventId(raw: string | string[] | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const value = Array.isArray(raw) ? raw[0]! : raw;
  const seq = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
  if (!(seq <= MAX_INT32)) throw invalidRequest(`Last-Event-ID: "${value}" is not an event sequence number`);
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
    const previews = eventDeltas(req.query);
    const session = await getSession(ctx.store, req.workspaceId, req.params.session_id);
    streamLog(req, reply, ctx, opts, session, resumeAfter, onSessionStream, previews);
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
  previews: ReadonlySet<Previewable> = new Set(),
): void {
  // Without Last-Event-ID a stream carries only what happens after it opens.
  const afterSeq = resumeAfter ?? session.lastSeq;
  const res = reply.raw;
  reply.hijack();
  openSseResponse(res, String(req.id));

  // Previews this stream announced (event_start) and whose durable event has not arrived: only
  // their deltas are sent, so a stream that joins mid-message never gets orphan fragments.
  const open = new Set<string>();
  let stop = () => {};
  let stopDeltas = () => {};
  let unwatch = () => {};
  let lastSent = afterSeq;
  const close = () => {
    stop();
    stopDeltas();
    unwatch();
    clearInterval(heartbeat);
    opts.shuttingDown.removeEventListener('abort', close);
    writer.end();
  };
  // A client that stops reading is disconnected once its buffer stalls; it resumes with
  // Last-Event-ID from the last event it received (all of them are in the log).
  const writer = new BoundedSseWriter(res, opts.sse, () => {
    req.log.info({ session_id: session.id, request_id: req.id, last_sent_seq: lastSent }, 'event stream stalled: client disconnected');
  });
  const heartbeat = setInterval(() => writer.ping(), opts.heartbeatMs);
  heartbeat.unref();
  stop = followLog({
    store: ctx.store,
    bus: opts.bus,
    sessionId: session.id,
    afterSeq,
    deliver: (records) => {
      // A durable event concludes its preview; a request's end closes any it left open.
      for (const r of records) if (r.type === 'span.model_request_end') open.clear(); else open.delete(r.id);
      const shown = records.every(visible) ? records : records.filter(visible);
      if (shown.length === 0) return;
      lastSent = shown[shown.length - 1]!.seq;
      // No promise unless this client's buffer is full: one event reaches many streams.
      const written = writer.write(shown.length === 1 ? frameOf(shown[0]!) : shown.map(frameOf));
      if (written === false) return close();
      if (written === true) return;
      return written.then((stillOpen) => {
        if (!stillOpen) close();
      });
    },
    onEnd: () => {
      void writer.writeText(sseFrame(undefined, 'session.deleted', {
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
  if (previews.size > 0) {
    stopDeltas = opts.deltas.subscribe(session.id, (frame) => {
      // Best-effort: never queue behind durable events on a slow client, never move the resume cursor.
      if (!previews.has(frame.previews) || !writer.open || writer.behind) return;
      const body = frame.body;
      if (body.type === 'event_start') open.add(body.event.id);
      else if (!open.has(body.event_id)) return;
      void writer.writeText(sseFrame(undefined, body.type, body));
    });
  }
  // Stopping the work item or deleting the key this stream was opened with ends it.
  unwatch = opts.credentials.watch(req, () => {
    // Called from the credential check's own timer, outside the request's log context: its id is given here.
    req.log.info({ session_id: session.id, request_id: req.id, principal: req.principal.kind }, 'event stream ended: its credential was revoked');
    close();
  });
  req.raw.on('close', close);
  opts.shuttingDown.addEventListener('abort', close);
}

// Which principals may call which route: API keys reach every route but the worker-only ones;
// worker credentials reach only the routes listed here, and only their own environment, work
// item and session. This table is the whole of what a leaked environment key can do.
//
// A session token reaches the session of its claim. The environment key reaches the session of
// an item its environment currently offers: the SDK's worker falls back to it for the session
// calls when an item carries no usable secret (e.g. handleItem() given only the key).
import type { FastifyRequest } from 'fastify';
import type { Principal, PrincipalKind } from '../domain/principal.js';
import { forbidden } from '../errors.js';

const WORK = '/v1/environments/:environment_id/work';
const SESSION = '/v1/sessions/:session_id';
const SEND_EVENTS = `POST ${SESSION}/events`;
const MEMORIES = '/v1/memory_stores/:memory_store_id/memories';

const ROUTES: Readonly<Record<string, readonly PrincipalKind[]>> = {
  [`GET ${WORK}/poll`]: ['environment_key'],
  [`POST ${WORK}/:work_id/ack`]: ['environment_key', 'work_token'],
  [`POST ${WORK}/:work_id/heartbeat`]: ['environment_key', 'work_token'],
  [`POST ${WORK}/:work_id/stop`]: ['api_key', 'environment_key', 'work_token'],
  [`GET ${WORK}`]: ['api_key', 'environment_key'],
  // What the SDK's EnvironmentWorker / SessionToolRunner call for the session a work item grants.
  [`GET ${SESSION}`]: ['api_key', 'environment_key', 'work_token'],
  [`GET ${SESSION}/events`]: ['api_key', 'environment_key', 'work_token'],
  [`GET ${SESSION}/events/stream`]: ['api_key', 'environment_key', 'work_token'],
  [SEND_EVENTS]: ['api_key', 'environment_key', 'work_token'],
  // What the SDK worker's memory sync calls for the stores its session mounts (checked per store
  // by routes/worker-access.ts).
  [`GET ${MEMORIES}`]: ['api_key', 'work_token'],
  [`POST ${MEMORIES}`]: ['api_key', 'work_token'],
  [`GET ${MEMORIES}/:memory_id`]: ['api_key', 'work_token'],
  [`POST ${MEMORIES}/:memory_id`]: ['api_key', 'work_token'],
  [`PATCH ${MEMORIES}/:memory_id`]: ['api_key', 'work_token'],
  [`DELETE ${MEMORIES}/:memory_id`]: ['api_key', 'work_token'],
  // The SDK worker's skill download (checked per skill by routes/worker-access.ts).
  ['GET /v1/skills/:skill_id/versions/:version']: ['api_key', 'work_token'],
  ['GET /v1/skills/:skill_id/versions/:version/content']: ['api_key', 'work_token'],
};

/** Events a worker credential may send: answers to tool calls, nothing that steers the agent. */
const WORKER_EVENT_TYPES = new Set(['user.tool_result', 'user.custom_tool_result']);

const routeOf = (req: FastifyRequest): string | undefined =>
  req.routeOptions.url === undefined ? undefined : `${req.method} ${req.routeOptions.url}`;

const describe = (p: Principal) => (p.kind === 'environment_key' ? 'an environment key' : "a work item's session token");

/** Whether an open work item of `environmentId` offers `sessionId`. */
export type OfferedSession = (environmentId: string, sessionId: string) => Promise<boolean>;

/** Runs once the route is known (onRequest): route, environment, work item and session must all match. */
export async function checkCredentialScope(req: FastifyRequest, principal: Principal, offered: OfferedSession): Promise<void> {
  const route = routeOf(req);
  if (route === undefined) return; // no such route: the not-found handler answers
  const allowed = ROUTES[route] ?? ['api_key'];
  if (!allowed.includes(principal.kind)) {
    throw forbidden(
      principal.kind === 'api_key'
        ? 'this endpoint is for self-hosted workers: authenticate with the environment key (Authorization: Bearer <key>)'
        : `${describe(principal)} is not accepted on this endpoint; use an API key`,
    );
  }
  if (principal.kind === 'api_key') return;
  const params = req.params as Record<string, string | undefined>;
  const mismatch = (name: string, own: string) => params[name] !== undefined && params[name] !== own;
  if (mismatch('environment_id', principal.environmentId)) {
    throw forbidden(`${describe(principal)} is scoped to environment ${principal.environmentId}`);
  }
  if (principal.kind === 'environment_key' && params.session_id !== undefined) {
    if (!(await offered(principal.environmentId, params.session_id))) {
      throw forbidden(`an environment key reaches a session only while a work item of environment ${principal.environmentId} offers it`);
    }
  }
  if (principal.kind === 'work_token') {
    if (mismatch('work_id', principal.workId) || mismatch('session_id', principal.sessionId)) {
      throw forbidden(`this session token is scoped to work item ${principal.workId} and session ${principal.sessionId}`);
    }
    if (params.session_id !== undefined && !principal.current) {
      throw forbidden(`work item ${principal.workId} has stopped or was handed to another poll: this session token no longer serves its session`);
    }
  }
}

/** Runs once the body is parsed (preHandler): a worker credential only answers tool calls. */
export function checkCredentialBody(req: FastifyRequest, principal: Principal): void {
  if (principal.kind === 'api_key' || routeOf(req) !== SEND_EVENTS) return;
  const events = (req.body as { events?: unknown } | undefined)?.events;
  if (!Array.isArray(events)) return; // validation reports the malformed body
  const bad = events.findIndex((e) => !WORKER_EVENT_TYPES.has((e as { type?: unknown } | null)?.type as string));
  if (bad >= 0) {
    throw forbidden(`events[${bad}]: ${describe(principal)} may only send user.tool_result and user.custom_tool_result events`);
  }
}

// Which principals may call which route: each route's config lists them (`principals`, see
// route-config.ts; API keys only when absent), and worker credentials reach only their own
// environment, work item and session on those routes. `grep forPrincipals src/http/routes` is the
// whole of what a leaked environment key or session token can do.
//
// A session token reaches the session of its claim. The environment key reaches the session of
// an item its environment currently offers: the SDK's worker falls back to it for the session
// calls when an item carries no usable secret (e.g. handleItem() given only the key).
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../domain/principal.js';
import { forbidden } from '../errors.js';
import { routePrincipals } from './route-config.js';

const SEND_EVENTS = 'POST /v1/sessions/:session_id/events';

/** Events a worker credential may send: answers to tool calls, nothing that steers the agent. */
const WORKER_EVENT_TYPES = new Set(['user.tool_result', 'user.custom_tool_result']);

const routeOf = (req: FastifyRequest): string | undefined =>
  req.routeOptions.url === undefined ? undefined : `${req.method} ${req.routeOptions.url}`;

const describe = (p: Principal) => (p.kind === 'environment_key' ? 'an environment key' : "a work item's session token");

/** Whether an open work item of `environmentId` offers `sessionId`. */
export type OfferedSession = (environmentId: string, sessionId: string) => Promise<boolean>;

/** Runs once the route is known (onRequest): route, environment, work item and session must all match. */
export async function checkCredentialScope(req: FastifyRequest, principal: Principal, offered: OfferedSession): Promise<void> {
  if (req.routeOptions.url === undefined) return; // no such route: the not-found handler answers
  const allowed = routePrincipals(req);
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

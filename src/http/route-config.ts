// What a route declares about its callers, in its Fastify route config: authentication is decided
// from the matched route, never from the raw URL. A route is authenticated unless it says
// `public: true`; it admits API keys only unless it lists other principals.
import type { FastifyRequest } from 'fastify';
import type { PrincipalKind } from '../domain/principal.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Answered without credentials (health probes). Nothing else may set it. */
    public?: boolean;
    /** Who may call the route; `['api_key']` when absent. */
    principals?: readonly PrincipalKind[];
    /** The body goes to the model provider as sent (the gateway): only the fields the route stores are checked. */
    passThroughBody?: boolean;
  }
}

const API_KEY_ONLY: readonly PrincipalKind[] = ['api_key'];

/** Whether the matched route is public. An unmatched request (404) is never public: it authenticates first. */
export const isPublicRoute = (req: FastifyRequest): boolean =>
  req.routeOptions.url !== undefined && req.routeOptions.config?.public === true;

export const routePrincipals = (req: FastifyRequest): readonly PrincipalKind[] =>
  req.routeOptions.config?.principals ?? API_KEY_ONLY;

/** Route config for the gateway routes whose bodies go to the provider as sent. */
export const PASS_THROUGH_BODY = { config: { passThroughBody: true } } as const;

/** Route config for the routes self-hosted workers call. */
export const forPrincipals = (...principals: PrincipalKind[]) => ({ config: { principals } });

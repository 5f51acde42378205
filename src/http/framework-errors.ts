// Errors Fastify raises before a route is matched (a malformed percent escape, a path parameter
// over the router's length limit): authenticated first like any request, then answered in the
// envelope — never with Fastify's own bodies, and never 400/414 to a caller without a key.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, invalidRequest, notFound, toEnvelope } from '../errors.js';
import { apiErrorOf } from './error-handler.js';

/** The longest path parameter the router matches: no id this server makes is longer. */
export const MAX_PARAM_LENGTH = 100;

function classify(err: FastifyError): ApiError {
  switch (err.code) {
    case 'FST_ERR_BAD_URL':
      return invalidRequest('the request path is not a valid URL: malformed percent-encoding');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return notFound(`no such resource: ids are at most ${MAX_PARAM_LENGTH} characters`);
    default:
      return invalidRequest('the request could not be routed');
  }
}

export function frameworkErrorsHandler(authenticate: (req: FastifyRequest) => Promise<void>) {
  return (err: FastifyError, req: FastifyRequest, reply: FastifyReply): void => {
    void reply.header('request-id', req.id);
    authenticate(req).then(
      () => void reply.code(classify(err).status).send(toEnvelope(classify(err), String(req.id))),
      (authErr: Error) => {
        const apiError = apiErrorOf(authErr, req);
        void reply.code(apiError.status).send(toEnvelope(apiError, String(req.id)));
      },
    );
  };
}

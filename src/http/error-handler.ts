// Maps every failure to the wire envelope; unknown errors become a logged 500 that leaks nothing.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, invalidRequest, notFound, toEnvelope, tooLarge } from '../errors.js';

/**
 * The multipart parser (@fastify/busboy, pinned through @fastify/multipart) reports a malformed
 * body — no boundary, a bad part header, a body that ends mid-part — as plain Errors with these
 * messages. They are the client's mistake: 400, not a 500.
 */
const MULTIPART_PARSER_ERROR =
  /^(Multipart: |Unexpected end of (multipart data|form)|\w+ terminated early due to unexpected end of multipart data|Boundary required|The needle cannot|Malformed )/;

function classify(err: FastifyError | Error): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (MULTIPART_PARSER_ERROR.test(err.message)) return invalidRequest(`malformed multipart/form-data body: ${err.message}`);
  const fe = err as FastifyError;
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
      return tooLarge('request body is larger than this server accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return invalidRequest('unsupported content-type: send application/json (multipart/form-data for file uploads)');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalidRequest('request body is empty but content-type is application/json');
  }
  if (err instanceof SyntaxError || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return invalidRequest(`request body is not valid JSON: ${err.message}`);
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    if (fe.statusCode === 404) return notFound(err.message);
    if (fe.statusCode === 413) return tooLarge(err.message);
    return invalidRequest(err.message);
  }
  return undefined;
}

/** The error a failure is answered with; an unknown one is logged once (with the request id) and becomes a 500. */
export function apiErrorOf(err: FastifyError | Error, req: FastifyRequest): ApiError {
  const apiError = classify(err);
  if (apiError) return apiError;
  req.log.error({ err, request_id: req.id }, 'unhandled error');
  return new ApiError(500, 'api_error', 'internal server error');
}

export function errorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): void {
  const apiError = apiErrorOf(err, req);
  if (reply.sent || reply.raw.headersSent) return;
  void reply.code(apiError.status).send(toEnvelope(apiError, String(req.id)));
}

export function notFoundHandler(req: FastifyRequest, reply: FastifyReply): void {
  const err = notFound(`no such endpoint: ${req.method} ${req.url.split('?')[0]}`);
  void reply.code(404).send(toEnvelope(err, String(req.id)));
}

// One line per request at info: method, route (the matched pattern, so no ids, query strings or
// credentials), status, duration and request id. Written when the connection's response closes,
// so hijacked replies (event streams) are logged too; nothing about the caller's key or headers is.
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

function logRequest(req: FastifyRequest, reply: FastifyReply): void {
  const route = req.routeOptions.url ?? '(no route)';
  const status = reply.raw.statusCode;
  const durationMs = Math.round(reply.elapsedTime * 10) / 10;
  // A stream the client left (or a response cut short) is still one line, marked as such.
  const cut = reply.raw.writableFinished ? '' : ' (closed before the response finished)';
  req.log.info(
    { method: req.method, route, status, duration_ms: durationMs, request_id: req.id, ...(cut ? { completed: false } : {}) },
    `${req.method} ${route} ${status} ${durationMs}ms${cut}`,
  );
}

/** pino's own check (Fastify's logger type does not name it); a logger without one is assumed to write info. */
const infoEnabled = (log: FastifyBaseLogger): boolean =>
  (log as FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.('info') ?? true;

/** Register before the authentication hook, so refused requests are logged as well. */
export function registerAccessLog(app: FastifyInstance): void {
  app.addHook('onRequest', (req, reply, done) => {
    // At a level above info (AGENTD_LOG_LEVEL=warn) the line would be dropped: no listener per request either.
    if (infoEnabled(req.log)) reply.raw.once('close', () => logRequest(req, reply));
    done();
  });
}

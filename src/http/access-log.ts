// One line per request at info: method, route (the matched pattern, so no ids, query strings or
// credentials), status, duration and request id. Written when the connection's response closes,
// so hijacked replies (event streams) are logged too; nothing about the caller's key or headers is.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

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

/** Register before the authentication hook, so refused requests are logged as well. */
export function registerAccessLog(app: FastifyInstance): void {
  app.addHook('onRequest', (req, reply, done) => {
    reply.raw.once('close', () => logRequest(req, reply));
    done();
  });
}

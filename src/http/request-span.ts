// One OpenTelemetry SERVER span per API request (HTTP semantic conventions), a child of the caller's
// span when the request carries a W3C `traceparent`. Its trace id goes on every log line of the
// request, and a turn the request wakes becomes its child (telemetry/trace-context.ts).
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { enterLogFields } from '../telemetry/log-context.js';
import { enterInboundTrace, parseTraceparent } from '../telemetry/trace-context.js';

/**
 * Starts the request's span and enters its ids into the rest of the request's async flow (set on
 * every request, so a keep-alive connection's next request never inherits them). Call it
 * synchronously at the start of the first onRequest hook; the span ends when the response closes.
 */
export function startRequestSpan(req: FastifyRequest, reply: FastifyReply, tracer: Tracer): void {
  const caller = parseTraceparent(req.headers);
  const route = req.routeOptions.url;
  const span = tracer.startSpan(
    route ? `${req.method} ${route}` : req.method,
    {
      kind: SpanKind.SERVER,
      attributes: {
        'http.request.method': req.method,
        // The path without its query string (which could carry anything).
        'url.path': req.url.split('?')[0] ?? '',
        ...(route ? { 'http.route': route } : {}),
      },
    },
    caller ? trace.setSpanContext(ROOT_CONTEXT, caller) : ROOT_CONTEXT,
  );
  const { traceId, spanId } = span.spanContext();
  enterInboundTrace(span.spanContext());
  enterLogFields({ request_id: req.id, trace_id: traceId, span_id: spanId });
  reply.raw.once('close', () => {
    const status = reply.raw.statusCode;
    span.setAttribute('http.response.status_code', status);
    // Server spans are errors for 5xx only (a 4xx is the client's).
    if (status >= 500) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.setAttribute('error.type', String(status));
    }
    span.end();
  });
}

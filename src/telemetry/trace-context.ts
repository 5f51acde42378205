// The caller's trace: a W3C `traceparent` header on an API request, carried through the async flow
// of that request (flow-context.ts) so that a turn the request wakes continues the caller's trace.
import { ROOT_CONTEXT, trace, type SpanContext } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { flow } from './flow-context.js';

const propagator = new W3CTraceContextPropagator();

/** The span context a `traceparent` (and `tracestate`) names, or undefined when absent or malformed. */
export function parseTraceparent(headers: Record<string, string | string[] | undefined>): SpanContext | undefined {
  const context = propagator.extract(ROOT_CONTEXT, headers, {
    keys: (carrier) => Object.keys(carrier),
    get: (carrier, key) => carrier[key],
  });
  return trace.getSpanContext(context);
}

/** Marks the rest of the current async flow (an HTTP request) as part of the caller's trace (or of none). */
export function enterInboundTrace(parent: SpanContext | undefined): void {
  flow.enterWith({ ...flow.getStore(), inbound: parent });
}

/** The caller's span context of the request being handled, if it sent one. */
export function inboundTrace(): SpanContext | undefined {
  return flow.getStore()?.inbound;
}

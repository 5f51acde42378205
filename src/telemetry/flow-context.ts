// What an async flow carries (the log fields of the request or turn, the caller's trace), in one
// AsyncLocalStorage: every enabled storage adds a propagation step to every promise the process makes
// (~1 % of the server's CPU each at 1,000 sessions), so the two share one.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { SpanContext } from '@opentelemetry/api';

/** Correlation fields added to every log line of the flow (log-context.ts). */
export interface LogFields {
  request_id?: string;
  session_id?: string;
  /** The OpenTelemetry trace of the request (its `traceparent`) or of the turn being run (undefined: none). */
  trace_id?: string | undefined;
  span_id?: string | undefined;
}

export interface FlowContext {
  readonly log?: LogFields;
  /** The span context of the API request's caller (trace-context.ts). */
  readonly inbound?: SpanContext | undefined;
}

export const flow = new AsyncLocalStorage<FlowContext>();

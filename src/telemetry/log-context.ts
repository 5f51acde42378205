// Correlation fields for log lines: the request id of the HTTP request, the session id of the turn
// being run, the trace and span ids of either, carried through async calls by AsyncLocalStorage and
// added to every line by the logger's mixin (so code deep in a sandbox or a use case need not pass
// them along).
import { AsyncLocalStorage } from 'node:async_hooks';

export interface LogFields {
  request_id?: string;
  session_id?: string;
  /** The OpenTelemetry trace of the request (its `traceparent`) or of the turn being run (undefined: none). */
  trace_id?: string | undefined;
  span_id?: string | undefined;
}

const storage = new AsyncLocalStorage<LogFields>();

/**
 * pino's `mixin`: the fields of the current request or turn (merged into every line). A copy: pino
 * merges each line's own fields into the object the mixin returns, which must not be the stored one.
 */
export const logMixin = (): object => ({ ...storage.getStore() });

/** Runs `fn` (and everything it starts) with these fields added to the current ones. */
export function withLogFields<T>(fields: LogFields, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...fields }, fn);
}

/** Adds the fields to the rest of the current async flow (a hook that cannot wrap what follows it). */
export function enterLogFields(fields: LogFields): void {
  storage.enterWith({ ...storage.getStore(), ...fields });
}

// Correlation fields for log lines: the request id of the HTTP request, the session id of the turn
// being run, the trace and span ids of either, carried through async calls (flow-context.ts) and
// added to every line by the logger's mixin (so code deep in a sandbox or a use case need not pass
// them along).
import { flow, type LogFields } from './flow-context.js';

export type { LogFields } from './flow-context.js';

/**
 * pino's `mixin`: the fields of the current request or turn (merged into every line). A copy: pino
 * merges each line's own fields into the object the mixin returns, which must not be the stored one.
 */
export const logMixin = (): object => ({ ...flow.getStore()?.log });

/** Runs `fn` (and everything it starts) with these fields added to the current ones. */
export function withLogFields<T>(fields: LogFields, fn: () => T): T {
  const current = flow.getStore();
  return flow.run({ ...current, log: { ...current?.log, ...fields } }, fn);
}

/** Adds the fields to the rest of the current async flow (a hook that cannot wrap what follows it). */
export function enterLogFields(fields: LogFields): void {
  const current = flow.getStore();
  flow.enterWith({ ...current, log: { ...current?.log, ...fields } });
}

// The structured logger every layer writes to (pino in production; Fastify's request logger is one).
// Only this interface crosses layers, so nothing outside src/http depends on Fastify.

export interface LogFn {
  (obj: object, msg?: string): void;
  (msg: string): void;
}

export interface Logger {
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}

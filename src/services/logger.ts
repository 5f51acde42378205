// The process logger: pino, pretty (pino-pretty, one line an entry) on a terminal and JSON lines
// otherwise (AGENTD_LOG_FORMAT overrides). Credentials are redacted wherever they could be nested.
import { createRequire } from 'node:module';
import pino, { type Logger as PinoLogger } from 'pino';
import type { DestinationStream } from 'pino';
import { logMixin } from '../telemetry/log-context.js';
import type { Config } from '../config/config.js';

/** Where a credential could sit in a logged object (request headers, configs, errors' bodies). */
export const REDACTED_PATHS = [
  'authorization',
  'x-api-key',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers["x-api-key"]',
  'api_key',
  'apiKey',
  '*.api_key',
  '*.apiKey',
  'key',
  '*.key',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'password',
  '*.password',
];

export function createLogger(config: Pick<Config, 'logLevel' | 'logFormat'>, isTerminal: boolean, destination?: DestinationStream): PinoLogger {
  // The mixin adds the request / session id of the work being done to every line (telemetry/log-context.ts).
  const options = { level: config.logLevel, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, mixin: logMixin };
  const format = destination ? 'json' : (config.logFormat ?? (isTerminal ? 'pretty' : 'json'));
  if (format === 'json') return destination ? pino(options, destination) : pino(options);
  // sync: lines appear in order with what the CLI prints to the same terminal (the start banner).
  // Fields a message already says (the request line's, the tool line's) are not repeated; trace and
  // span ids are for log stores that correlate with traces (JSON), not for reading on a terminal.
  // pino-pretty is required only here (synchronously, it is CommonJS): JSON logging never loads it.
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  const ignore = 'pid,hostname,reqId,method,route,status,duration_ms,tool,outcome,trace_id,span_id';
  return pino(options, pretty({ sync: true, colorize: isTerminal, singleLine: true, ignore, translateTime: 'SYS:HH:MM:ss.l' }));
}

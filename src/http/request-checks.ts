// Checks every authenticated request passes before its handler, whatever the route: HTTP/1.1
// requests name their Host (RFC 9112 §3.2; Node's own refusal has no envelope, so we answer it),
// and no path parameter or query value carries a NUL byte (no id or name contains one, and it
// must not reach a log line, a file name or a database as is).
import type { FastifyRequest } from 'fastify';
import { invalidRequest } from '../errors.js';

function nulIn(values: Record<string, unknown> | undefined): string | undefined {
  for (const [name, value] of Object.entries(values ?? {})) {
    const all = Array.isArray(value) ? value : [value];
    if (name.includes('\0') || all.some((v) => typeof v === 'string' && v.includes('\0'))) return name.replaceAll('\0', '\\0');
  }
  return undefined;
}

export function checkRequestShape(req: FastifyRequest): void {
  if (req.raw.httpVersion === '1.1' && req.headers.host === undefined) {
    throw invalidRequest('missing Host header: HTTP/1.1 requests must send one');
  }
  const param = nulIn(req.params as Record<string, unknown> | undefined);
  if (param !== undefined) throw invalidRequest(`${param}: must not contain a NUL byte`);
  const query = nulIn(req.query as Record<string, unknown> | undefined);
  if (query !== undefined) throw invalidRequest(`${query}: must not contain a NUL byte`);
}

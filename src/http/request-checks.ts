// Checks every authenticated request passes before its handler, whatever the route: HTTP/1.1
// requests name their Host (RFC 9112 §3.2; Node's own refusal has no envelope, so we answer it),
// and no path parameter or query value carries a NUL byte (no id or name contains one, and it
// must not reach a log line, a file name or a database as is); nor, once parsed, any string of a JSON body.
import type { FastifyRequest } from 'fastify';
import { invalidRequest } from '../errors.js';

/** The parameter (path or query) holding a NUL in its name or value, or undefined. */
function nulIn(values: Record<string, unknown> | undefined): string | undefined {
  for (const [name, value] of Object.entries(values ?? {})) {
    if (name.includes('\0') || nulInBody(value, name) !== undefined) return name.replaceAll('\0', '\\0');
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

/** The path of the first string (or key) in a parsed JSON body that holds a NUL, or undefined. */
function nulInBody(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\0') ? path || 'request body' : undefined;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) {
      const found = nulInBody(v, `${path}[${i}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const here = path ? `${path}.${k}` : k;
      if (k.includes('\0')) return here.replaceAll('\0', '\\0');
      const found = nulInBody(v, here);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * No string of a JSON body carries a NUL either: PostgreSQL refuses it in text (a 500 where SQLite stored it). The
 * gateway's Messages and chat bodies go to the provider as sent; the few fields it stores are checked there.
 */
export function checkBodyShape(req: FastifyRequest): void {
  if (req.routeOptions.config?.passThroughBody === true) return;
  const field = nulInBody(req.body, '');
  if (field !== undefined) throw invalidRequest(`${field}: must not contain a NUL character (\\u0000)`);
}

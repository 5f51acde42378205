// Placeholder substitution, pure: which of a session's environment-variable credentials apply to a
// request's host, and the request's headers and body with their placeholders replaced by secrets.
import type { EnvCredential } from '../../domain/env-credentials.js';
import { hostMatches } from './egress-policy.js';

/** The credentials whose `networking` lets their secret go to `host`. */
export function credentialsFor(credentials: readonly EnvCredential[], host: string): EnvCredential[] {
  return credentials.filter((c) => c.hosts === undefined || c.hosts.some((p) => hostMatches(p, host)));
}

function replaceAll(text: string, credentials: readonly EnvCredential[]): string {
  let out = text;
  for (const c of credentials) if (out.includes(c.placeholder)) out = out.split(c.placeholder).join(c.value);
  return out;
}

export type Headers = Record<string, string | string[] | undefined>;

/** Header values with the placeholders of header-injected credentials replaced (names are left alone). */
export function substituteHeaders(headers: Headers, credentials: readonly EnvCredential[]): Headers {
  const applied = credentials.filter((c) => c.header);
  if (applied.length === 0) return headers;
  const out: Headers = {};
  for (const [k, v] of Object.entries(headers)) {
    out[k] = v === undefined ? v : Array.isArray(v) ? v.map((x) => replaceAll(x, applied)) : replaceAll(v, applied);
  }
  return out;
}

/** Whether a request body must be read whole to be substituted (some credential injects into bodies). */
export const needsBody = (credentials: readonly EnvCredential[]): boolean => credentials.some((c) => c.body);

/**
 * The body with the placeholders of body-injected credentials replaced. Placeholders are ASCII,
 * so a byte-level search is exact; anything else in the body passes through untouched.
 */
export function substituteBody(body: Buffer, credentials: readonly EnvCredential[]): Buffer {
  let out = body;
  for (const c of credentials) {
    if (!c.body) continue;
    const from = Buffer.from(c.placeholder);
    if (out.indexOf(from) < 0) continue;
    const to = Buffer.from(c.value);
    const parts: Buffer[] = [];
    let at = 0;
    for (let i = out.indexOf(from); i >= 0; i = out.indexOf(from, at)) {
      parts.push(out.subarray(at, i), to);
      at = i + from.length;
    }
    parts.push(out.subarray(at));
    out = Buffer.concat(parts);
  }
  return out;
}

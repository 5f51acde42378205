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

/**
 * The other direction, for answers from a credited host: every occurrence of a secret turned back
 * into its placeholder, across chunk boundaries (a tail as long as the longest secret is held back
 * until the next chunk or the end), so a host that reflects a secret does not hand it to the sandbox.
 */
export interface Scrubber {
  push(chunk: Buffer): Buffer;
  flush(): Buffer;
}

export function secretScrubber(credentials: readonly EnvCredential[]): Scrubber {
  const pairs = credentials.filter((c) => c.value.length > 0).map((c) => ({ from: Buffer.from(c.value), to: Buffer.from(c.placeholder) }));
  const hold = Math.max(0, ...pairs.map((p) => p.from.length - 1));
  let carry = Buffer.alloc(0);
  const scrub = (buf: Buffer, final: boolean): Buffer => {
    // A match starting at or after `boundary` may be incomplete: it waits for more bytes.
    const boundary = final ? buf.length : Math.max(0, buf.length - hold);
    const out: Buffer[] = [];
    let at = 0;
    for (;;) {
      let best: { index: number; pair: (typeof pairs)[number] } | undefined;
      for (const pair of pairs) {
        const index = buf.indexOf(pair.from, at);
        if (index >= 0 && (!best || index < best.index)) best = { index, pair };
      }
      if (!best || best.index >= boundary) break;
      out.push(buf.subarray(at, best.index), best.pair.to);
      at = best.index + best.pair.from.length;
    }
    const emitTo = Math.max(at, boundary);
    out.push(buf.subarray(at, emitTo));
    carry = Buffer.from(buf.subarray(emitTo));
    return Buffer.concat(out);
  };
  return {
    push: (chunk) => scrub(carry.length ? Buffer.concat([carry, chunk]) : chunk, false),
    flush: () => scrub(carry, true),
  };
}

/** Header values with secrets turned back into placeholders (see secretScrubber). */
export function scrubHeaders(headers: Headers, credentials: readonly EnvCredential[]): Headers {
  const out: Headers = {};
  const scrub = (v: string) => {
    let s = v;
    for (const c of credentials) if (c.value && s.includes(c.value)) s = s.split(c.value).join(c.placeholder);
    return s;
  };
  for (const [k, v] of Object.entries(headers)) out[k] = v === undefined ? v : Array.isArray(v) ? v.map(scrub) : scrub(v);
  return out;
}

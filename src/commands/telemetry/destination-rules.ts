// The checks of a telemetry destination's endpoint URLs and headers, as the SDK documents them —
// except that agentd, self-hosted, also takes http:// and IP or loopback collectors.
import { invalidRequest } from '../../errors.js';

const MAX_HEADERS = 20;
const MAX_NAME = 128;
const MAX_VALUE = 4096;
const MAX_TOTAL = 16_384;
const RESERVED = new Set(['host', 'cookie', 'user-agent', 'connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect', 'set-cookie']);
const RESERVED_PREFIXES = ['content-', 'proxy-', 'x-forwarded-', 'anthropic-'];
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const PRINTABLE = /^[\x20-\x7e]*$/;

/** An endpoint URL: http(s), no credentials, query or fragment, at most 2,048 characters. */
export function checkEndpointUrl(raw: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidRequest(`${field}: not a valid URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidRequest(`${field}: must use https or http`);
  if (url.username || url.password) throw invalidRequest(`${field}: must not contain a username or password`);
  if (url.search || raw.includes('?')) throw invalidRequest(`${field}: must not contain a query string`);
  if (url.hash || raw.includes('#')) throw invalidRequest(`${field}: must not contain a fragment`);
  return url;
}

/** Scheme, host and port: what headers are registered for. */
export const origin = (url: URL) => `${url.protocol}//${url.host}`;

/** Header names compare case-insensitively, with `_` as `-` for the reserved-name check. */
export function checkHeaders(headers: Record<string, string>, unknownValueBytes = 0): void {
  const names = Object.keys(headers);
  if (names.length > MAX_HEADERS) throw invalidRequest(`headers: at most ${MAX_HEADERS} headers`);
  const seen = new Set<string>();
  let total = unknownValueBytes;
  for (const name of names) {
    const value = headers[name]!;
    const lower = name.toLowerCase();
    if (name.length === 0 || name.length > MAX_NAME || !TOKEN.test(name)) throw invalidRequest(`headers: "${name}" is not a valid header name (at most ${MAX_NAME} characters)`);
    if (seen.has(lower)) throw invalidRequest(`headers: two names differ only in case ("${name}")`);
    seen.add(lower);
    const normalized = lower.replace(/_/g, '-');
    if (RESERVED.has(normalized) || RESERVED_PREFIXES.some((p) => normalized.startsWith(p))) throw invalidRequest(`headers.${name}: a reserved header name`);
    if (!PRINTABLE.test(value) || value.length > MAX_VALUE || value !== value.trim()) {
      throw invalidRequest(`headers.${name}: values are printable ASCII, at most ${MAX_VALUE} characters, without leading or trailing spaces`);
    }
    total += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  if (total > MAX_TOTAL) throw invalidRequest(`headers: names and values together are at most ${MAX_TOTAL} bytes`);
}

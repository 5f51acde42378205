// Seeded generators for the HTTP fuzz test: requests aimed at registered routes (with real ids
// some of the time, so the fuzz gets past lookups) and malformed HTTP for a raw socket.

export type Random = () => number;

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function randomSource(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface FuzzContext {
  routes: ReadonlyArray<{ method: string; url: string }>;
  apiKey: string;
  environmentKey: string;
  /** Real ids by path parameter name. */
  ids: Record<string, string[] | undefined>;
}

export interface FuzzRequest {
  method: string;
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Sent as these bytes on a raw socket instead. */
  raw?: Buffer;
}

const int = (rand: Random, n: number) => Math.floor(rand() * n);
const pick = <T>(rand: Random, xs: readonly T[]): T => xs[int(rand, xs.length)]!;
const chance = (rand: Random, p: number) => rand() < p;

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789_-.~';
const JUNK_SEGMENTS = [
  '%00', 'a%00b', '%zz', '%', '%2F', '%2e%2e', '..', '.', '%E2%82%AC', '%C3%28', '%FF', 'é', '%20', '%0A', '%0D%0A',
  '%25', '%252e', ';x=1', '*', '@', ':', 'latest', '0', '-1', '99999999999999999999', 'null', 'undefined', '__proto__',
  'constructor', 'sesn_', 'agent_', 'env_', 'file_', '\u00e9\u4e2d', 'A'.repeat(101), 'a'.repeat(99),
];
const PREFIXES = ['agent', 'env', 'sesn', 'file', 'memstore', 'mem', 'skill', 'work', 'sevt', 'msgbatch', 'envkey', 'res'];
const QUERY_KEYS = [
  'limit', 'page', 'order', 'after_id', 'before_id', 'include_archived', 'types[]', 'types', 'created_at[gte]',
  'created_at[lt]', 'block_ms', 'reclaim_older_than_ms', 'desired_ttl_seconds', 'expected_last_heartbeat', 'view',
  'path_prefix', 'depth', 'order_by', 'scope_id', 'ids[]', 'source', 'agent_id', 'memory_store_id', 'version',
  'expected_content_sha256', 'beta', 'stream', '__proto__', 'a[b][c]', '',
];
const FIELD_NAMES = [
  'name', 'model', 'system', 'description', 'tools', 'mcp_servers', 'skills', 'metadata', 'config', 'type', 'agent',
  'environment_id', 'resources', 'events', 'content', 'path', 'title', 'vault_ids', 'version', 'messages',
  'max_tokens', 'stream', 'force', 'display_name', 'file_id', 'mount_path', 'access', 'networking', 'packages',
  'requests', 'custom_id', 'params', 'memory_store_id', 'precondition', 'expected_content_sha256', 'view',
  '__proto__', 'constructor', 'text', 'role', 'tool_use_id', 'is_error', 'id', 'prompt', '',
];
const STRINGS = [
  '', 'x', 'claude-sonnet-4-6', 'self_hosted', 'cloud', 'user.message', 'user.interrupt', 'user.tool_result', 'text',
  'agent', 'file', 'memory_store', 'read_write', 'read_only', 'unrestricted', 'limited', '/notes.md', '../../etc/passwd',
  '\u0000', 'a\u0000b', '\ud800', '%zz', 'é', '<script>', 'null', '1e309', ' ', 'A'.repeat(300), 'sk-agentd-test-key',
];

function randomToken(rand: Random, max = 24): string {
  let s = '';
  const n = 1 + int(rand, max);
  for (let i = 0; i < n; i++) s += ALPHABET[int(rand, ALPHABET.length)];
  return s;
}

function randomPercentBytes(rand: Random): string {
  let s = '';
  const n = 1 + int(rand, 8);
  for (let i = 0; i < n; i++) s += `%${int(rand, 256).toString(16).padStart(2, '0')}`;
  return s;
}

function paramValue(rand: Random, name: string, ctx: FuzzContext): string {
  const real = ctx.ids[name];
  const roll = rand();
  if (real && roll < 0.45) return pick(rand, real);
  if (roll < 0.6) return `${pick(rand, PREFIXES)}_${randomToken(rand, 26)}`;
  if (roll < 0.75) return pick(rand, JUNK_SEGMENTS);
  if (roll < 0.85) return randomPercentBytes(rand);
  if (roll < 0.92) return 'x'.repeat(80 + int(rand, 60));
  return randomToken(rand);
}

function randomPath(rand: Random): string {
  const segments = ['v1'];
  const n = int(rand, 5);
  for (let i = 0; i < n; i++) segments.push(chance(rand, 0.5) ? randomToken(rand, 12) : pick(rand, JUNK_SEGMENTS));
  const path = `/${(chance(rand, 0.85) ? segments : segments.slice(1)).join('/')}`;
  return chance(rand, 0.1) ? `${path}/` : path;
}

function queryValue(rand: Random): string {
  const roll = rand();
  if (roll < 0.3) return String(int(rand, 3) === 0 ? -int(rand, 1000) : int(rand, 2000));
  if (roll < 0.45) return pick(rand, ['true', 'false', 'asc', 'desc', 'basic', 'full', 'created_at', 'path', 'custom', 'anthropic']);
  if (roll < 0.6) return pick(rand, JUNK_SEGMENTS);
  if (roll < 0.7) return new Date(Date.now() - int(rand, 1e10)).toISOString();
  if (roll < 0.8) return randomPercentBytes(rand);
  return randomToken(rand);
}

function randomQuery(rand: Random): string {
  if (chance(rand, 0.5)) return '';
  const pairs: string[] = [];
  const n = 1 + int(rand, 4);
  for (let i = 0; i < n; i++) pairs.push(`${pick(rand, QUERY_KEYS)}=${queryValue(rand)}`);
  if (chance(rand, 0.05)) pairs.push(pick(rand, ['&&', '=', 'x', '%zz=1', 'a=%', '=%00']));
  return `?${pairs.join('&')}`;
}

function randomJson(rand: Random, depth: number): unknown {
  const roll = rand();
  if (depth <= 0 || roll < 0.35) {
    const leaf = rand();
    if (leaf < 0.45) return pick(rand, STRINGS);
    if (leaf < 0.65) return pick(rand, [0, 1, -1, 1.5, 4096, 1e21, -0, 2 ** 53, 100_000]);
    if (leaf < 0.8) return pick(rand, [true, false]);
    if (leaf < 0.9) return null;
    return randomToken(rand);
  }
  if (roll < 0.55) return Array.from({ length: int(rand, 4) }, () => randomJson(rand, depth - 1));
  const obj: Record<string, unknown> = {};
  const n = int(rand, 6);
  for (let i = 0; i < n; i++) obj[pick(rand, FIELD_NAMES)] = randomJson(rand, depth - 1);
  return obj;
}

/** A multipart body, well-formed or broken in one of the ways a parser meets. */
function randomMultipart(rand: Random): { contentType: string; body: Buffer } {
  const boundary = `----fuzz${randomToken(rand, 16)}`;
  const parts: string[] = [];
  const n = int(rand, 4);
  for (let i = 0; i < n; i++) {
    const name = pick(rand, ['file', 'files[]', 'files', 'expires_in_seconds', 'display_name', 'x', '__proto__', '']);
    const filename = chance(rand, 0.6) ? `; filename="${pick(rand, ['a.txt', 'skill/SKILL.md', '../x', '', 'é.md', '%22'])}"` : '';
    const type = chance(rand, 0.5) ? `\r\nContent-Type: ${pick(rand, ['text/plain', 'application/zip', 'application/json', ''])}` : '';
    const content = pick(rand, ['hello', '---\nname: s\ndescription: d\n---\n', String(int(rand, 1e6)), '', 'PK\u0003\u0004junk']);
    parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename}${type}\r\n\r\n${content}\r\n`);
  }
  let body = `${parts.join('')}--${boundary}--\r\n`;
  let contentType = `multipart/form-data; boundary=${boundary}`;
  switch (int(rand, 8)) {
    case 0: contentType = 'multipart/form-data'; break; // no boundary
    case 1: body = body.slice(0, int(rand, body.length)); break; // truncated
    case 2: contentType = `multipart/form-data; boundary=${boundary}x`; break; // wrong boundary
    case 3: body = `--${boundary}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--${boundary}--\r\n`; break; // part without a name
    case 4: body = `--${boundary}\r\nbroken header line\r\n\r\nx\r\n--${boundary}--\r\n`; break;
    case 5: contentType = 'multipart/form-data; boundary='; break;
    case 6: contentType = `multipart/form-data; boundary=${'b'.repeat(300)}`; break;
  }
  return { contentType, body: Buffer.from(body, 'utf8') };
}

function randomBody(rand: Random): { contentType?: string; body?: Buffer } {
  const roll = rand();
  if (roll < 0.45) return { contentType: 'application/json', body: Buffer.from(JSON.stringify(randomJson(rand, 4) ?? null)) };
  if (roll < 0.55) return { contentType: 'application/json', body: Buffer.from(pick(rand, ['{', '{"a":', '[1,', '{"a":1}}', 'nul', '\u0000', '{"a":"\\ud800"}', '"x', '{"__proto__":{"x":1}}'])) };
  if (roll < 0.6) return { contentType: 'application/json', body: Buffer.alloc(0) };
  if (roll < 0.75) return randomMultipart(rand);
  if (roll < 0.85) {
    return {
      contentType: pick(rand, ['text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream', 'application/json; charset=latin1', 'application/xml', '', 'multipart/mixed']),
      body: Buffer.from(pick(rand, ['a=1&b=2', 'hello', '{}', '<x/>', '\u00ff\u00fe'])),
    };
  }
  if (roll < 0.9) return { contentType: 'application/json', body: Buffer.from(JSON.stringify({ name: 'x'.repeat(int(rand, 200_000)) })) };
  return {};
}

function randomHeaders(rand: Random, ctx: FuzzContext): Record<string, string> {
  const headers: Record<string, string> = {};
  const roll = rand();
  if (roll < 0.72) headers['x-api-key'] = ctx.apiKey;
  else if (roll < 0.8) headers.authorization = `Bearer ${ctx.apiKey}`;
  else if (roll < 0.86) headers.authorization = `Bearer ${ctx.environmentKey}`;
  else if (roll < 0.92) headers['x-api-key'] = pick(rand, ['sk-agentd-wrong', '', 'sk-agentd-worktok-x', 'sk-agentd-envkey-x']);
  if (chance(rand, 0.1)) headers['anthropic-beta'] = pick(rand, ['managed-agents-2025-10-01', 'x', '', 'a,b,,c']);
  if (chance(rand, 0.05)) headers['anthropic-version'] = pick(rand, ['2023-06-01', 'x', '']);
  if (chance(rand, 0.05)) headers['anthropic-workspace-id'] = pick(rand, ['default', 'wrkspc_x', '']);
  if (chance(rand, 0.05)) headers['last-event-id'] = pick(rand, ['0', '-1', 'abc', '1e3', '99999999999999999999']);
  if (chance(rand, 0.03)) headers['anthropic-worker-id'] = randomToken(rand, 300);
  if (chance(rand, 0.03)) headers['x-filler'] = 'f'.repeat(int(rand, 12_000));
  return headers;
}

export function fuzzRequest(rand: Random, ctx: FuzzContext): FuzzRequest {
  const route = chance(rand, 0.85) ? pick(rand, ctx.routes) : undefined;
  const path = route ? route.url.replace(/:([a-z_]+)/g, (_m, name: string) => paramValue(rand, name, ctx)) : randomPath(rand);
  const method = route && chance(rand, 0.85) ? route.method : pick(rand, METHODS);
  const headers = randomHeaders(rand, ctx);
  // Node's client sends only ASCII targets: other characters go percent-encoded, as a client would.
  const target = `${chance(rand, 0.05) ? `http://agentd.invalid` : ''}${path}${randomQuery(rand)}`.replace(
    /[^\x21-\x7e]/gu,
    (c) => encodeURIComponent(c),
  );
  if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(method) || chance(rand, 0.05)) {
    const { contentType, body } = randomBody(rand);
    if (contentType !== undefined) headers['content-type'] = contentType;
    if (body !== undefined) return { method, target, headers, body };
  }
  return { method, target, headers };
}

/** Malformed or unusual HTTP that Node's parser (or the router) sees before any route runs. */
export function rawFuzzRequest(rand: Random): FuzzRequest {
  const key = chance(rand, 0.7) ? 'x-api-key: sk-agentd-test-key\r\n' : '';
  const path = pick(rand, ['/v1/agents', '/v1/sessions', '/health', '/v1/files', '/nothing', '/v1/agents/%zz']);
  const templates = [
    () => `GET ${path} HTTP/1.1\r\nHost x\r\n\r\n`, // header without a colon
    () => `\u0001\u0002 nonsense\r\n\r\n`,
    () => `${pick(rand, ['FOO', 'BREW', 'G ET', 'get'])} ${path} HTTP/1.1\r\nHost: x\r\n${key}\r\n`,
    () => `GET ${path} HTTP/1.1\r\n${key}\r\n`, // no Host
    () => `GET ${path} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17_000 + int(rand, 10_000))}\r\n${key}\r\n`,
    () => `GET ${path}?q=${'a'.repeat(17_000)} HTTP/1.1\r\nHost: x\r\n${key}\r\n`,
    () => `POST ${path} HTTP/1.1\r\nHost: x\r\n${key}Content-Type: application/json\r\nContent-Length: abc\r\n\r\n{}`,
    () => `POST ${path} HTTP/1.1\r\nHost: x\r\n${key}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
    () => `POST ${path} HTTP/1.1\r\nHost: x\r\n${key}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    () => `GET ${path} HTTP/9.9\r\nHost: x\r\n${key}\r\n`,
    () => `GET ${path} HTTP/1.1\r\nHost: x\r\nBad\u0000Header: y\r\n${key}\r\n`,
    () => `GET ${path} HTTP/1.1\r\nHost: x\r\nX: a\u0000b\r\n${key}\r\n`,
    () => `GET http://a.invalid${path} HTTP/1.1\r\nHost: x\r\n${key}\r\n`,
    () => `GET ${path}%00 HTTP/1.1\r\nHost: x\r\n${key}\r\n`,
    () => `GET ${path} HTTP/1.1\r\nHost: x\r\nHost: y\r\n${key}\r\n`,
    () => `GET  ${path} HTTP/1.1\r\nHost: x\r\n${key}\r\n`,
    () => `GET ${path}\r\n\r\n`,
  ];
  const text = pick(rand, templates)().replace(/\r\n\r\n/, '\r\nConnection: close\r\n\r\n');
  return { method: 'RAW', target: path, headers: {}, raw: Buffer.from(text, 'latin1') };
}

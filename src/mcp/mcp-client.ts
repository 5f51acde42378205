// Talks to one MCP server with the official @modelcontextprotocol/sdk client: Streamable HTTP
// first, the older HTTP+SSE transport when the server answers the Streamable HTTP initialize with
// a 4xx (the spec's backwards-compatibility rule). The bearer goes in the Authorization header of
// every request and is scrubbed from every message this module returns. The SDK is loaded at the
// first connection (a dynamic import): most servers never talk MCP, and it is slow to load.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Fetch } from '../net/guarded-fetch.js';

export interface McpEndpoint {
  url: string;
  bearer: string | undefined;
  fetch: Fetch;
  /** Per MCP request (initialize, tools/list, tools/call). */
  timeoutMs: number;
}

/** Why a session with the server failed, at which MCP method. */
export interface McpFailure {
  /** 401 from the server: the credential is missing, wrong or expired. */
  kind: 'unauthorized' | 'unreachable' | 'error';
  method: string;
  message: string;
  /** The HTTP answer that failed the step, when there was one. */
  http: { status: number; contentType: string; body: string } | undefined;
}

export type McpResult<T> = { ok: true; value: T } | { ok: false; failure: McpFailure };

const VERSION = '1';

function scrub(text: string, bearer: string | undefined): string {
  return bearer ? text.split(bearer).join('[redacted]') : text;
}

/**
 * `value` (a server's answer) with every string scrubbed of `bearers`: a server may quote the Authorization header it
 * got (an error text, an echo tool), and its answers become events, model requests and spans.
 */
export function scrubAnswer<T>(value: T, bearers: readonly string[]): T {
  if (bearers.length === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return bearers.reduce((text, b) => scrub(text, b), v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [walk(k) as string, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

function describe(err: unknown): string {
  const e = err as Error & { cause?: unknown };
  const cause = e.cause instanceof Error ? `: ${e.cause.message}` : '';
  return `${e.message ?? String(err)}${cause}`;
}

/**
 * Opens a client on `ep`, runs `use` with it and closes it. Every failure is returned, never
 * thrown; `signal` aborts the whole exchange (an interrupt or shutdown).
 */
export async function withMcpClient<T>(
  ep: McpEndpoint,
  signal: AbortSignal | undefined,
  use: (client: Client, track: (method: string) => void) => Promise<T>,
): Promise<McpResult<T>> {
  const [{ Client }, { SSEClientTransport }, { StreamableHTTPClientTransport, StreamableHTTPError }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/sse.js'),
    import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
  ]);
  let method = 'initialize';
  let lastFailure: McpFailure['http'];
  const fetchWithAuth: Fetch = async (input, init) => {
    const headers = new Headers(init?.headers);
    if (ep.bearer) headers.set('authorization', `Bearer ${ep.bearer}`);
    const res = await ep.fetch(input, { ...init, headers, ...(signal ? { signal: mergeSignals(signal, init?.signal) } : {}) });
    if (!res.ok) {
      const body = await res.clone().text().catch(() => '');
      lastFailure = { status: res.status, contentType: res.headers.get('content-type') ?? '', body: scrub(body, ep.bearer).slice(0, 1024) };
    }
    return res;
  };
  const options = { timeout: ep.timeoutMs, ...(signal ? { signal } : {}) };
  const fail = (err: unknown): McpResult<T> => {
    const status = lastFailure?.status;
    const kind: McpFailure['kind'] =
      status === 401 ? 'unauthorized' : status === undefined && !(err instanceof StreamableHTTPError) && !isRpcError(err) ? 'unreachable' : 'error';
    return { ok: false, failure: { kind, method, message: scrub(describe(err), ep.bearer), http: lastFailure } };
  };

  let client = new Client({ name: 'agentd', version: VERSION });
  try {
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(ep.url), { fetch: fetchWithAuth as never }), options);
    } catch (err) {
      const status = lastFailure?.status;
      if (signal?.aborted || status === undefined || status === 401 || status < 400 || status >= 500) return fail(err);
      // A 4xx to the Streamable HTTP initialize: the server may speak only HTTP+SSE.
      await client.close().catch(() => {});
      client = new Client({ name: 'agentd', version: VERSION });
      lastFailure = undefined;
      await client.connect(new SSEClientTransport(new URL(ep.url), { fetch: fetchWithAuth as never }), options);
    }
    lastFailure = undefined;
    const value = await use(client, (m) => (method = m));
    return { ok: true, value };
  } catch (err) {
    return fail(err);
  } finally {
    await client.close().catch(() => {});
  }
}

const isRpcError = (err: unknown) => typeof (err as { code?: unknown })?.code === 'number';

function mergeSignals(a: AbortSignal, b: AbortSignal | null | undefined): AbortSignal {
  return b ? AbortSignal.any([a, b]) : a;
}

export { type Client };

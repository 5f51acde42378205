// The gateway's lean path to a first-party Messages API (api.anthropic.com or anything speaking its wire): node:http
// with a keep-alive pool, the request body sent as given, the reply relayed as received. The SDK's fetch, web streams
// and request building cost agentd more CPU per pass-through call than everything else it does for the call.
// Failures are the SDK's error classes, so the gateway, the batch executor and the engine classify them as before.
import http from 'node:http';
import https from 'node:https';
import { finished } from 'node:stream';
import Anthropic from '@anthropic-ai/sdk';
import type { BetaMessage, BetaMessageTokensCount } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import type { ChunkHandler, ModelCallOptions, ProviderEvent, ProviderReply, ProviderStream, RawMessagesBody } from './model-client.js';
import { requestBytes } from './request-bytes.js';
import { SseByteFrames } from './sse-frames.js';

export interface FirstPartyTarget {
  /** ANTHROPIC_BASE_URL (may carry a path prefix), or https://api.anthropic.com. */
  baseURL: string;
  apiKey: string | undefined;
  authToken: string | undefined;
  /** Until the provider's response headers arrive (the SDK's `timeout`). */
  timeoutMs: number;
  /** ANTHROPIC_CUSTOM_HEADERS as the SDK reads it: `Name: value` lines, sent with every call. */
  customHeaders?: string | undefined;
}

/** `Name: value` lines (the SDK's ANTHROPIC_CUSTOM_HEADERS format); lines without a colon are skipped. */
export function parseCustomHeaders(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of (text ?? '').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

const IDLE_CONNECTION_MS = 4_000;

/** When the client named no version: the one the pinned SDK sends (the gateway test compares the two). */
const DEFAULT_VERSION = '2026-10-21';

export interface FirstPartyHttp {
  /** `json`: the body already serialised (with `stream: true`, UTF-8), as the agent loop builds it (history-json.ts). */
  stream(body: RawMessagesBody, opts: ModelCallOptions, json?: Buffer): Promise<ProviderStream>;
  create(body: RawMessagesBody, opts: ModelCallOptions): Promise<ProviderReply<BetaMessage>>;
  countTokens(body: RawMessagesBody, opts: ModelCallOptions): Promise<ProviderReply<BetaMessageTokensCount>>;
}

const requestIdOf = (headers: http.IncomingHttpHeaders): string | undefined => {
  const id = headers['request-id'] ?? headers['x-request-id'];
  return typeof id === 'string' ? id : undefined;
};

function webHeaders(raw: http.IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

async function readAll(res: http.IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of res) parts.push(part as Buffer);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/**
 * The provider's error as the SDK would have thrown it: from an answer's status and body, or (no status) from a
 * stream's `event: error` data. A body that is not JSON becomes the message.
 */
export function providerError(status: number | undefined, text: string, headers: Headers): InstanceType<typeof Anthropic.APIError> {
  let parsed: object | undefined;
  try {
    parsed = JSON.parse(text) as object;
  } catch {
    parsed = undefined;
  }
  return Anthropic.APIError.generate(status, parsed, parsed ? undefined : text, headers);
}

/** A non-2xx answer as the SDK would have thrown it (status, the provider's error object, its headers). */
async function apiError(res: http.IncomingMessage): Promise<InstanceType<typeof Anthropic.APIError>> {
  return providerError(res.statusCode, (await readAll(res)).toString('utf8'), webHeaders(res.headers));
}

export function firstPartyHttp(target: FirstPartyTarget): FirstPartyHttp {
  const url = new URL(target.baseURL);
  const secure = url.protocol === 'https:';
  const transport = secure ? https : http;
  // One pool per process: connections to the provider are reused across calls (the SDK's fetch does the same). An
  // idle connection is closed after IDLE_CONNECTION_MS (undici's default, as with the SDK), or sooner when the
  // provider's Keep-Alive hint says so, so that a call rarely lands on a connection the provider is closing. (The
  // agent's `timeout` ends only idle pooled sockets; a call in progress is bounded by `timeoutMs` alone.)
  const agent = new transport.Agent({ keepAlive: true, scheduling: 'lifo', timeout: IDLE_CONNECTION_MS });
  const prefix = url.pathname.replace(/\/+$/, '');
  const fixedHeaders: Record<string, string> = {
    accept: 'application/json',
    'user-agent': 'agentd',
  };
  if (target.apiKey) fixedHeaders['x-api-key'] = target.apiKey;
  if (target.authToken) fixedHeaders['authorization'] = `Bearer ${target.authToken}`;
  // As with the SDK, custom headers may replace the defaults and credentials above, not the body's type.
  Object.assign(fixedHeaders, parseCustomHeaders(target.customHeaders), { 'content-type': 'application/json' });

  /** Sends one POST; resolves with the response once its headers are in (rejects with the SDK's error classes). */
  function post(path: string, body: Buffer, opts: ModelCallOptions, signal: AbortSignal): Promise<http.IncomingMessage> {
    const headers: Record<string, string | number> = {
      ...fixedHeaders,
      'anthropic-version': opts.version ?? DEFAULT_VERSION,
      'content-length': body.length,
    };
    if (opts.betas && opts.betas.length > 0) headers['anthropic-beta'] = opts.betas.join(',');
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new Anthropic.APIUserAbortError());
      let settled = false;
      const req = transport.request({
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port,
        path: prefix + path,
        method: 'POST',
        agent,
        headers,
      });
      const onAbort = () => req.destroy();
      signal.addEventListener('abort', onAbort, { once: true });
      // Leaving the listener on a long-lived signal would keep every finished request reachable.
      const detach = () => signal.removeEventListener('abort', onAbort);
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        req.destroy();
        reject(new Anthropic.APIConnectionTimeoutError());
      }, target.timeoutMs);
      timer.unref();
      req.on('error', (err) => {
        detach();
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(signal.aborted ? new Anthropic.APIUserAbortError() : new Anthropic.APIConnectionError({ cause: err }));
      });
      req.on('response', (res) => {
        clearTimeout(timer);
        res.once('close', detach);
        if (settled) return void res.destroy();
        settled = true;
        resolve(res);
      });
      req.end(body);
    });
  }

  async function reply<T>(path: string, body: RawMessagesBody, opts: ModelCallOptions): Promise<ProviderReply<T>> {
    const res = await post(path, requestBytes(body), opts, opts.signal);
    if ((res.statusCode ?? 500) >= 300) throw await apiError(res);
    let raw: Buffer;
    try {
      raw = await readAll(res);
    } catch (err) {
      throw opts.signal.aborted ? new Anthropic.APIUserAbortError() : new Anthropic.APIConnectionError({ cause: err as Error });
    }
    return { body: JSON.parse(raw.toString('utf8')) as T, requestId: requestIdOf(res.headers), raw };
  }

  return {
    create: (body, opts) => reply<BetaMessage>('/v1/messages', body, opts),
    countTokens: (body, opts) => reply<BetaMessageTokensCount>('/v1/messages/count_tokens', body, opts),
    async stream(body, opts, json) {
      const abort = new AbortController();
      const onAbort = () => abort.abort();
      if (opts.signal.aborted) abort.abort();
      else opts.signal.addEventListener('abort', onAbort, { once: true });
      const streamed = body['stream'] === true ? body : { ...body, stream: true };
      let res: http.IncomingMessage;
      try {
        res = await post('/v1/messages', json ?? requestBytes(streamed), opts, abort.signal);
        if ((res.statusCode ?? 500) >= 300) throw await apiError(res);
      } catch (err) {
        opts.signal.removeEventListener('abort', onAbort);
        throw err;
      }
      res.once('close', () => opts.signal.removeEventListener('abort', onAbort));
      return sseStream(res, abort);
    },
  };
}

/** The response's SSE, an event at a time or pushed a read at a time; leaving early aborts the request. */
function sseStream(res: http.IncomingMessage, abort: AbortController): ProviderStream {
  return {
    requestId: requestIdOf(res.headers),
    pump: (each) => pumpFrames(res, abort, each),
    async *[Symbol.asyncIterator](): AsyncGenerator<ProviderEvent> {
      const frames = new SseByteFrames();
      let finished = false;
      try {
        for await (const bytes of res) {
          const chunk = frames.push(bytes as Buffer);
          if (chunk) yield* chunk.events;
        }
        finished = true;
      } finally {
        if (!finished) abort.abort();
      }
    },
  };
}

/**
 * Pushes each read's complete frames to `each` from the response's own 'data' events: no promise per read. A promise
 * `each` returns pauses the response until it settles; the stream's end waits for it too.
 */
function pumpFrames(res: http.IncomingMessage, abort: AbortController, each: ChunkHandler): Promise<void> {
  return new Promise((resolve, reject) => {
    const frames = new SseByteFrames();
    let settled = false;
    let held: Promise<void> | undefined;
    const settle = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      stopWatching();
      res.off('data', onData);
      if (err === undefined) return resolve();
      abort.abort();
      reject(err);
    };
    const onData = (bytes: Buffer): void => {
      if (settled) return;
      const chunk = frames.push(bytes);
      if (!chunk) return;
      let hold: void | Promise<void>;
      try {
        hold = each(chunk);
      } catch (err) {
        return settle(err);
      }
      if (!hold) return;
      res.pause();
      held = hold.then(() => {
        held = undefined;
        if (!settled) res.resume();
      }, settle);
    };
    res.on('data', onData);
    // The end (or break) can be seen while the last read is still held: settle once that is through.
    const stopWatching = finished(res, (err) => {
      const outcome = err ?? undefined;
      if (held) void held.then(() => settle(outcome));
      else settle(outcome);
    });
  });
}

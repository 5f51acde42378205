// One proxied HTTP request, relayed upstream with a session's credential placeholders substituted:
// header values and (when a credential injects into bodies) the body, read whole up to a cap. Used
// for plain forward-proxied `http://` requests and for requests inside an intercepted HTTPS tunnel.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { Transform, type Readable } from 'node:stream';
import tls from 'node:tls';
import zlib from 'node:zlib';
import type { EnvCredential } from '../../domain/env-credentials.js';
import { needsBody, scrubHeaders, secretScrubber, substituteBody, substituteHeaders, type Headers } from './substitute.js';

/** Headers that describe one hop (client → proxy), not the request being forwarded. */
export const HOP_HEADERS = new Set(['proxy-authorization', 'proxy-connection', 'connection', 'keep-alive', 'te', 'trailer', 'upgrade']);
/** The largest body read whole for substitution; a bigger one is refused (413) rather than sent unsubstituted. */
export const MAX_SUBSTITUTED_BODY = 16 * 1024 * 1024;
/** What one sandbox's proxy endpoint may hold of such bodies at once (many parallel uploads must not exhaust the server). */
export const MAX_BUFFERED_PER_ENDPOINT = 64 * 1024 * 1024;

/** Bytes an endpoint holds in bodies being substituted; shared by its requests. */
export interface BodyBudget {
  held: number;
}

export interface Upstream {
  /** The host name the client asked for (TLS name check, Host matching). */
  host: string;
  /** The checked address to connect to (see resolve-destination). */
  address: string;
  port: number;
  path: string;
  /** TLS to the upstream, verified against the roots in this context; absent: plain http. */
  tls?: { context: tls.SecureContext };
}

const withoutHop = (headers: http.IncomingHttpHeaders | http.OutgoingHttpHeaders): Headers =>
  Object.fromEntries(Object.entries(headers).filter(([k]) => !HOP_HEADERS.has(k))) as Headers;

type BodyRead = { ok: true; body: Buffer } | { ok: false; status: number; reason: string };

/**
 * Reads a body whole. Past a cap it stops (pausing the request, so the refusal can still be
 * answered on the connection) and says why.
 */
function readBody(req: http.IncomingMessage, budget: BodyBudget): Promise<BodyRead> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (r: BodyRead) => {
      if (done) return;
      done = true;
      budget.held -= size;
      req.off('data', onData);
      resolve(r);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      budget.held += chunk.length;
      if (size > MAX_SUBSTITUTED_BODY) {
        req.pause();
        return finish({ ok: false, status: 413, reason: `a request body larger than ${MAX_SUBSTITUTED_BODY} bytes cannot be searched for credential placeholders` });
      }
      if (budget.held > MAX_BUFFERED_PER_ENDPOINT) {
        req.pause();
        return finish({ ok: false, status: 503, reason: 'too many request bodies are being searched for credential placeholders at once; retry' });
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => finish({ ok: true, body: Buffer.concat(chunks) }));
    req.on('error', () => finish({ ok: false, status: 400, reason: 'the request body was cut off' }));
    req.on('close', () => finish({ ok: false, status: 400, reason: 'the request body was cut off' }));
  });
}

function plainError(res: http.ServerResponse, status: number, text: string): void {
  if (res.headersSent) res.destroy();
  else res.writeHead(status, { 'content-type': 'text/plain', connection: 'close' }).end(`agentd egress proxy: ${text}\n`);
}

export async function relayRequest(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  up: Upstream,
  credentials: readonly EnvCredential[],
  budget: BodyBudget,
): Promise<void> {
  let headers = substituteHeaders(withoutHop(req.headers), credentials);
  // A host sent a secret may reflect it; its answer must be searchable, so it is asked for uncompressed.
  if (credentials.length > 0) headers = { ...headers, 'accept-encoding': 'identity' };
  let body: Buffer | undefined;
  // A compressed body cannot be searched: it is sent as it is (documented in docs/vaults.md).
  if (needsBody(credentials) && !req.headers['content-encoding']) {
    const read = await readBody(req, budget);
    if (!read.ok) return plainError(res, read.status, read.reason);
    // Held only while read: the substituted copy is handed to the socket at once.
    body = substituteBody(read.body, credentials);
    headers = { ...headers, 'content-length': String(body.length) };
    delete headers['transfer-encoding'];
    // The body is already here (Node answered the client's 100-continue): nothing left to wait for.
    delete headers.expect;
  }
  const options: http.RequestOptions = { host: up.address, port: up.port, method: req.method, path: up.path, headers: headers as http.OutgoingHttpHeaders, agent: false };
  let upstream: http.ClientRequest;
  if (up.tls) {
    // https.request hands these to tls.connect, which takes a ready context (its type does not say so).
    const secure: https.RequestOptions & Pick<tls.ConnectionOptions, 'secureContext'> = {
      ...options,
      // Built once per server: parsing the roots for every request would cost tens of milliseconds.
      secureContext: up.tls.context,
      rejectUnauthorized: true,
      // SNI carries names only; the certificate is checked against the name the client asked for.
      ...(net.isIP(up.host) ? {} : { servername: up.host }),
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity(up.host, cert),
    };
    upstream = https.request(secure);
  } else {
    upstream = http.request(options);
  }
  upstream.on('response', (answer) => {
    const status = answer.statusCode ?? 502;
    // Answers of hosts that were sent a secret are scrubbed of it (a host may reflect what it got).
    if (credentials.length === 0) {
      res.writeHead(status, withoutHop(answer.headers) as http.OutgoingHttpHeaders);
      answer.pipe(res);
      return;
    }
    const headers = scrubHeaders(withoutHop(answer.headers), credentials);
    if (req.method === 'HEAD' || status === 204 || status === 304) {
      // No body: nothing to search.
      res.writeHead(status, headers as http.OutgoingHttpHeaders);
      answer.pipe(res);
      return;
    }
    // Compressed although asked not to be: decoded to be searched, and passed on decoded.
    const encoding = String(answer.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    const decoder = encoding === 'identity' ? undefined : decoderFor(encoding);
    if (decoder === null) {
      answer.resume();
      return plainError(res, 502, `an answer encoded as "${encoding}" from a host that was sent a credential cannot be searched for it`);
    }
    delete headers['content-encoding'];
    // The length may change: the body goes chunked.
    delete headers['content-length'];
    res.writeHead(status, headers as http.OutgoingHttpHeaders);
    const scrubber = secretScrubber(credentials);
    const body: Readable = decoder ? answer.pipe(decoder).on('error', () => res.destroy()) : answer;
    body
      .pipe(
        new Transform({
          transform: (chunk: Buffer, _enc, done) => done(null, scrubber.push(chunk)),
          flush: (done) => done(null, scrubber.flush()),
        }),
      )
      .pipe(res);
  });
  upstream.on('error', (err) => plainError(res, 502, err.message));
  res.on('close', () => upstream.destroy());
  if (body) upstream.end(body);
  else req.pipe(upstream);
}

/** A decoder for a Content-Encoding the proxy can search through; null for one it cannot. */
function decoderFor(encoding: string): Transform | null {
  if (encoding === 'gzip' || encoding === 'x-gzip') return zlib.createGunzip();
  if (encoding === 'deflate') return zlib.createInflate();
  if (encoding === 'br') return zlib.createBrotliDecompress();
  return null;
}

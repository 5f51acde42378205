// Cloud-provider URL shapes (Vertex, Bedrock, Foundry, Google STS) in front of the fake, for the provider SDKs.
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chunkFrame, exceptionFrame } from './aws-event-stream.js';
import { flattenHeaders, readBody, tryParseJson } from './incoming.js';
import { isRecord } from './invalid-request.js';
import type { FakeAnthropic } from './server.js';

/**
 * Translates each provider's wire shape to a plain `POST /v1/messages` on the fake and the answer back:
 * - Vertex: `POST …/v1/projects/<p>/locations/<r>/publishers/anthropic/models/<model>:streamRawPredict|rawPredict`,
 *   OAuth bearer, `anthropic_version` in the body; the answer is the fake's own (Vertex speaks Anthropic SSE).
 * - Google STS: `POST /sts/v1/token` exchanges any subject token for `ya29.gateway-<n>` (workload identity).
 * - Bedrock: `POST /model/<model>/invoke-with-response-stream|invoke`, bearer or SigV4 (recorded, not verified),
 *   `anthropic_version`/`anthropic_beta` in the body; SSE answers re-framed as AWS event-stream `chunk` messages,
 *   errors as `{message}` with `x-amzn-errortype`.
 * - Bedrock CountTokens: `POST /model/<model>/count-tokens` with `{input: {invokeModel: {body: <base64>}}}`, answered
 *   `{inputTokens}` from the fake's count_tokens. Vertex counts at `…/models/count-tokens:rawPredict` (model in the body).
 * - Foundry: `POST /anthropic/v1/messages` (and `/count_tokens`), passed through.
 * Route or shape problems are answered 400/401/404 here and never reach the fake.
 */
export type GatewayRoute = 'vertex' | 'bedrock' | 'foundry' | 'google-sts';

export interface GatewayRequest {
  readonly route: GatewayRoute | undefined;
  readonly method: string;
  /** Decoded path as received, without the query. */
  readonly path: string;
  /** The model id from the URL (Vertex, Bedrock), decoded. */
  readonly model: string | undefined;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, unknown>> | undefined;
  readonly rawBody: string;
}

export interface ProviderGateway {
  readonly url: string;
  readonly requests: readonly GatewayRequest[];
  /** The next Bedrock stream ends after its first event with this exception frame (e.g. `throttlingException`). */
  failNextBedrockStream(exceptionType: string, message: string): void;
  close(): Promise<void>;
}

const VERTEX = /\/projects\/([^/]+)\/locations\/([^/]+)\/publishers\/anthropic\/models\/([^/]+):(streamRawPredict|rawPredict)$/;
const BEDROCK = /^\/model\/([^/]+)\/(invoke-with-response-stream|invoke|count-tokens)$/;

/** Bedrock's status and exception name for each error status the fake answers with. */
const BEDROCK_ERRORS: Readonly<Record<number, readonly [number, string]>> = {
  400: [400, 'ValidationException'],
  401: [403, 'AccessDeniedException'],
  403: [403, 'AccessDeniedException'],
  404: [404, 'ResourceNotFoundException'],
  429: [429, 'ThrottlingException'],
  500: [500, 'InternalServerException'],
  529: [503, 'ServiceUnavailableException'],
};

export async function startProviderGateway(fake: FakeAnthropic): Promise<ProviderGateway> {
  const requests: GatewayRequest[] = [];
  const bedrockFailures: Array<{ exceptionType: string; message: string }> = [];
  let tokens = 0;

  function reject(res: ServerResponse, status: number, message: string): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ type: 'error', error: { type: 'gateway_error', message } }));
  }

  /** POSTs to the fake and hands back its response; the upstream request ends if our client leaves. */
  function toFake(res: ServerResponse, path: string, headers: Record<string, string>, body: unknown): Promise<IncomingMessage> {
    const payload = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const upstream = http.request(new URL(path, fake.url), {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) },
      });
      upstream.once('response', resolve);
      upstream.once('error', reject);
      res.once('close', () => upstream.destroy());
      upstream.end(payload);
    });
  }

  function pipeBack(res: ServerResponse, answer: IncomingMessage): void {
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  }

  function pick(headers: Readonly<Record<string, string>>, ...names: string[]): Record<string, string> {
    return Object.fromEntries(names.flatMap((n) => (headers[n] !== undefined ? [[n, headers[n]!]] : [])));
  }

  async function vertex(res: ServerResponse, req: GatewayRequest): Promise<void> {
    if (!/^Bearer\s+\S+/.test(req.headers['authorization'] ?? '')) return reject(res, 401, 'vertex: OAuth bearer token required');
    const { anthropic_version: version, ...rest } = req.body ?? {};
    if (typeof version !== 'string') return reject(res, 400, 'vertex: anthropic_version is required in the body');
    if (req.model === 'count-tokens') {
      const headers = { ...pick(req.headers, 'authorization', 'anthropic-beta'), 'anthropic-version': version };
      return pipeBack(res, await toFake(res, '/v1/messages/count_tokens', headers, rest));
    }
    if ('model' in rest) return reject(res, 400, 'vertex: the model belongs in the URL, not the body');
    const body = { model: req.model, ...rest };
    const headers = { ...pick(req.headers, 'authorization', 'anthropic-beta'), 'anthropic-version': version };
    pipeBack(res, await toFake(res, '/v1/messages', headers, body));
  }

  async function bedrock(res: ServerResponse, req: GatewayRequest, action: string): Promise<void> {
    const auth = req.headers['authorization'] ?? '';
    const sigV4 = /^AWS4-HMAC-SHA256 Credential=\S+\/bedrock\/aws4_request, SignedHeaders=\S+, Signature=[0-9a-f]{64}$/.test(auth);
    if (!sigV4 && !/^Bearer\s+\S+/.test(auth)) return reject(res, 403, 'bedrock: SigV4 signature or bearer token required');
    if (action === 'count-tokens') return bedrockCountTokens(res, req, sigV4);
    const { anthropic_version: version, anthropic_beta: betas, ...rest } = req.body ?? {};
    if (typeof version !== 'string') return reject(res, 400, 'bedrock: anthropic_version is required in the body');
    if ('model' in rest || 'stream' in rest) return reject(res, 400, 'bedrock: model and stream belong in the URL');
    const streaming = action === 'invoke-with-response-stream';
    const headers = {
      'anthropic-version': version,
      // The fake wants Anthropic credentials; a signed Bedrock request has none of its own.
      ...(sigV4 ? { 'x-api-key': 'bedrock-sigv4' } : pick(req.headers, 'authorization')),
      ...(Array.isArray(betas) ? { 'anthropic-beta': betas.join(',') } : {}),
    };
    const answer = await toFake(res, '/v1/messages', headers, { model: req.model, ...rest, ...(streaming ? { stream: true } : {}) });
    const status = answer.statusCode ?? 502;
    if (status !== 200) {
      const raw = (await readBody(answer)).raw;
      const parsed = tryParseJson(raw);
      const message = isRecord(parsed) && isRecord(parsed.error) ? String(parsed.error.message) : raw;
      const [code, name] = BEDROCK_ERRORS[status] ?? [status, 'InternalServerException'];
      res.writeHead(code, {
        'content-type': 'application/json',
        'x-amzn-errortype': `${name}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
      });
      return void res.end(JSON.stringify({ message }));
    }
    if (!streaming) return pipeBack(res, answer);
    res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-bedrock-content-type': 'application/json' });
    const failure = bedrockFailures.shift();
    let buffered = '';
    answer.setEncoding('utf8');
    for await (const text of answer as AsyncIterable<string>) {
      buffered += text;
      let end: number;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        const frame = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const data = frame.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
        if (data) res.write(chunkFrame(data));
        if (failure) {
          answer.destroy();
          return void res.end(exceptionFrame(failure.exceptionType, failure.message));
        }
      }
    }
    res.end();
  }

  async function bedrockCountTokens(res: ServerResponse, req: GatewayRequest, sigV4: boolean): Promise<void> {
    const input = req.body?.['input'];
    const invoke = isRecord(input) ? input['invokeModel'] : undefined;
    const encoded = isRecord(invoke) ? invoke['body'] : undefined;
    if (typeof encoded !== 'string') return reject(res, 400, 'bedrock: count-tokens wants {input: {invokeModel: {body: <base64>}}}');
    const inner = tryParseJson(Buffer.from(encoded, 'base64').toString('utf8'));
    if (!isRecord(inner) || typeof inner['anthropic_version'] !== 'string') return reject(res, 400, 'bedrock: the invokeModel body needs anthropic_version');
    const { anthropic_version: version, anthropic_beta: betas, ...rest } = inner;
    const headers = {
      'anthropic-version': version as string,
      ...(sigV4 ? { 'x-api-key': 'bedrock-sigv4' } : pick(req.headers, 'authorization')),
      ...(Array.isArray(betas) ? { 'anthropic-beta': betas.join(',') } : {}),
    };
    const answer = await toFake(res, '/v1/messages/count_tokens', headers, { model: req.model, ...rest });
    const parsed = tryParseJson((await readBody(answer)).raw);
    res.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json' });
    res.end(JSON.stringify(isRecord(parsed) && typeof parsed['input_tokens'] === 'number' ? { inputTokens: parsed['input_tokens'] } : parsed));
  }

  function sts(res: ServerResponse, req: GatewayRequest): void {
    const form = new URLSearchParams(req.rawBody);
    if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:token-exchange' || !form.get('subject_token')) {
      return reject(res, 400, 'sts: expected a token exchange with a subject_token');
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        access_token: `ya29.gateway-${++tokens}`,
        issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        token_type: 'Bearer',
        expires_in: 3600,
      }),
    );
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const { raw } = await readBody(req);
    const parsed = tryParseJson(raw);
    const vertexMatch = VERTEX.exec(url.pathname);
    const bedrockMatch = BEDROCK.exec(url.pathname);
    const route: GatewayRoute | undefined =
      req.method !== 'POST' ? undefined
      : vertexMatch ? 'vertex'
      : bedrockMatch ? 'bedrock'
      : url.pathname === '/anthropic/v1/messages' || url.pathname === '/anthropic/v1/messages/count_tokens' ? 'foundry'
      : url.pathname === '/sts/v1/token' ? 'google-sts'
      : undefined;
    const model = vertexMatch?.[3] ?? bedrockMatch?.[1];
    const recorded: GatewayRequest = {
      route,
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      model: model === undefined ? undefined : decodeURIComponent(model),
      headers: flattenHeaders(req),
      body: isRecord(parsed) ? parsed : undefined,
      rawBody: raw,
    };
    requests.push(recorded);
    switch (route) {
      case 'vertex':
        return vertex(res, recorded);
      case 'bedrock':
        return bedrock(res, recorded, bedrockMatch![2]!);
      case 'foundry':
        return pipeBack(res, await toFake(res, `${url.pathname.replace(/^\/anthropic/, '')}${url.search}`, pick(recorded.headers, 'x-api-key', 'authorization', 'anthropic-version', 'anthropic-beta'), parsed));
      case 'google-sts':
        return sts(res, recorded);
      default:
        return reject(res, 404, `gateway: no route for ${req.method} ${url.pathname}`);
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) reject(res, 502, `gateway: ${(err as Error)?.message ?? String(err)}`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNextBedrockStream: (exceptionType, message) => {
      bedrockFailures.push({ exceptionType, message });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * Google credentials for workload identity federation against this gateway's STS: a subject token on disk,
 * exchanged at `<gateway>/sts/v1/token` for an OAuth token. Returns the credentials file (GOOGLE_APPLICATION_CREDENTIALS).
 */
export async function writeVertexCredentials(dir: string, gatewayUrl: string): Promise<string> {
  const subjectToken = path.join(dir, 'subject-token');
  await writeFile(subjectToken, 'oidc-subject-token');
  const file = path.join(dir, 'google-credentials.json');
  await writeFile(
    file,
    JSON.stringify({
      type: 'external_account',
      audience: '//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/agentd/providers/test',
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      token_url: `${gatewayUrl}/sts/v1/token`,
      credential_source: { file: subjectToken },
    }),
  );
  return file;
}

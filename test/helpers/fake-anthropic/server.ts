// The scripted fake Messages API server: records requests, validates them, answers from a FIFO script.
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerWith } from './answer.js';
import { sendApiError, type ApiErrorReply } from './api-errors.js';
import { buildPrewarmMessage } from './build-message.js';
import { newRequestId } from './ids.js';
import { authProblem, flattenHeaders, readBody, tryParseJson } from './incoming.js';
import { isRecord } from './invalid-request.js';
import { sendJson, watchClose } from './respond.js';
import { SignatureBook } from './signature-book.js';
import { ThreadStore } from './threads.js';
import { estimateInputTokens } from './tokens.js';
import type { RecordedBody, RecordedRequest, ScriptFunction, ScriptedOutcome, ScriptedResponse } from './types.js';
import { validateRequest } from './validate-request.js';

export interface FakeAnthropic {
  /** Base URL for `new Anthropic({ baseURL })` or `ANTHROPIC_BASE_URL`. */
  readonly url: string;
  /** Every request received, in arrival order (including rejected ones). */
  readonly requests: readonly RecordedRequest[];
  /** Scripted responses not yet used. */
  readonly remaining: number;
  /** Requests the fake is still answering (e.g. a slow stream). */
  readonly inFlight: number;
  /** Appends to the FIFO script; each valid `POST /v1/messages` takes the next entry. */
  enqueue(...responses: ScriptedResponse[]): void;
  /** Answers requests once the script is used up (`undefined` removes it). */
  setResponder(fn: ScriptFunction | undefined): void;
  /** Resolves with `requests` once at least `n` have arrived; rejects after `timeoutMs`. */
  waitForRequests(n: number, timeoutMs?: number): Promise<readonly RecordedRequest[]>;
  /** Resolves once no request is being answered; rejects after `timeoutMs`. */
  waitForIdle(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface FakeAnthropicOptions {
  /**
   * Refuse thinking/redacted_thinking blocks this fake did not emit verbatim, as the real API refuses forged or
   * edited signatures. Default true; turn off only to replay hand-written fixtures.
   */
  verifyThinkingSignatures?: boolean;
  /**
   * Keep every request in `requests` (default true). Benchmarks turn it off: a long run would otherwise hold every
   * request body ever sent. Without it `requests` stays empty and `waitForRequests` counts arrivals only.
   */
  recordRequests?: boolean;
  /**
   * Check each request against the API's rules (default true). Benchmarks turn it off so that the fake's own CPU
   * cost stays out of what they measure; auth, JSON parsing and threads still work as usual.
   */
  validate?: boolean;
  /**
   * How long an idle keep-alive connection stays open (Node's default is 5 s). A client that reuses a connection
   * just as the fake closes it sees a connection error; benchmarks whose sessions pause for seconds raise this.
   */
  keepAliveTimeoutMs?: number;
  /** The listen backlog (Node's default is 511); benchmarks that connect a thousand clients at once raise it. */
  backlog?: number;
}

const NO_SCRIPT = 'fake-anthropic: no scripted response left';

export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const queue: ScriptedResponse[] = [];
  const requests: RecordedRequest[] = [];
  const signatures = new SignatureBook();
  const threads = new ThreadStore();
  const verifyThinking = options.verifyThinkingSignatures === false ? undefined : signatures.verify;
  const record = options.recordRequests !== false;
  const validate = options.validate !== false;
  let arrived = 0;
  let responder: ScriptFunction | undefined;
  let inFlight = 0;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of [...listeners]) l();
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = newRequestId();
    const watch = watchClose(res);
    const { raw, tooLarge } = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake-anthropic');
    const parsed = tryParseJson(raw);
    const body = (isRecord(parsed) ? parsed : {}) as RecordedBody;
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: flattenHeaders(req),
      body,
      rawBody: raw,
      conversation: Array.isArray(body.messages) ? body.messages : [],
      response: { status: 0, streamed: false, outcome: 'pending', requestId },
    };
    arrived++;
    if (record) requests.push(recorded);
    notify();
    res.once('finish', () => {
      recorded.response.status = res.statusCode;
      if (recorded.response.outcome === 'pending') recorded.response.outcome = 'completed';
    });
    const fail = (reply: ApiErrorReply) => sendApiError(res, reply, requestId);

    const endpoint =
      recorded.path === '/v1/messages' ? 'messages' : recorded.path === '/v1/messages/count_tokens' ? 'count_tokens' : undefined;
    if (!endpoint || recorded.method !== 'POST') return fail({ status: 404, message: `Not found: ${recorded.method} ${recorded.path}` });
    const unauthenticated = authProblem(recorded.headers);
    if (unauthenticated) return fail({ status: 401, message: unauthenticated });
    if (!recorded.headers['anthropic-version']?.trim()) return fail({ status: 400, message: 'anthropic-version: header is required' });
    if (tooLarge) return fail({ status: 413 });
    if (parsed === undefined) return fail({ status: 400, message: 'There was an error parsing the body of your request: it is not valid JSON.' });

    const betas = (recorded.headers['anthropic-beta'] ?? '').split(',').map((b) => b.trim()).filter(Boolean);
    const thread = endpoint === 'messages' && isRecord(parsed) ? threads.resolve(parsed, betas) : ({ kind: 'unthreaded' } as const);
    if (thread.kind === 'rejected') return fail(thread.reply);
    const threaded = thread.kind === 'threaded' ? thread : undefined;
    try {
      const effective = (threaded?.body ?? parsed) as RecordedBody;
      if (validate) {
        const verdict = validateRequest(effective, {
          endpoint,
          betas,
          ...(verifyThinking ? { verifyThinking } : {}),
          ...(threaded ? { historyLength: threaded.historyLength } : {}),
        });
        if (!verdict.ok) return fail({ status: 400, message: verdict.message });
      }
      recorded.conversation = effective.messages;

      if (endpoint === 'count_tokens') {
        return sendJson(res, 200, { input_tokens: estimateInputTokens(effective) }, { 'request-id': requestId });
      }
      if (effective.max_tokens === 0) {
        const message = buildPrewarmMessage(effective);
        sendJson(res, 200, message, { 'request-id': requestId });
        return threaded?.commit(message);
      }
      const step = queue.shift() ?? responder;
      if (!step) return fail({ status: 500, message: NO_SCRIPT });
      let outcome: ScriptedOutcome;
      try {
        outcome = typeof step === 'function' ? await step(recorded) : step;
      } catch (err) {
        return fail({ status: 500, message: `fake-anthropic: script function threw: ${(err as Error)?.message ?? String(err)}` });
      }
      const answer = await answerWith(res, outcome, effective, { requestId, watch, signatures });
      if (answer.streamed) recorded.response.streamed = true;
      recorded.response.outcome = answer.outcome;
      if (answer.message && answer.outcome === 'completed') threaded?.commit(answer.message);
    } finally {
      threaded?.release();
    }
  }

  const server = http.createServer((req, res) => {
    inFlight++;
    handle(req, res)
      .catch((err: unknown) => {
        if (!res.headersSent) {
          sendApiError(res, { status: 500, message: `fake-anthropic: internal failure: ${(err as Error)?.message ?? String(err)}` }, newRequestId());
        } else {
          res.destroy();
        }
      })
      .finally(() => {
        inFlight--;
        notify();
      });
  });
  if (options.keepAliveTimeoutMs !== undefined) {
    server.keepAliveTimeout = options.keepAliveTimeoutMs;
    // Node closes a connection whose next request's headers take longer than this; keep it above.
    server.headersTimeout = Math.max(server.headersTimeout, options.keepAliveTimeoutMs + 1_000);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', ...(options.backlog !== undefined ? { backlog: options.backlog } : {}) }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const waitFor = (what: string, done: () => boolean, timeoutMs: number): Promise<void> =>
    new Promise((resolve, reject) => {
      if (done()) return resolve();
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`fake-anthropic: timed out after ${timeoutMs}ms waiting for ${what}`));
      }, timeoutMs);
      listeners.add(check);
    });

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get remaining() {
      return queue.length;
    },
    get inFlight() {
      return inFlight;
    },
    enqueue: (...responses) => {
      queue.push(...responses);
    },
    setResponder: (fn) => {
      responder = fn;
    },
    waitForRequests: async (n, timeoutMs = 5_000) => {
      await waitFor(`${n} request(s) (got ${arrived})`, () => arrived >= n, timeoutMs);
      return requests;
    },
    waitForIdle: (timeoutMs = 5_000) => waitFor(`idle (${inFlight} in flight)`, () => inFlight === 0, timeoutMs),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

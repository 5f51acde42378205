// The part every provider shares: how its SDK client is called, and the options the engine needs.
import { Stream } from '@anthropic-ai/sdk/core/streaming';
import type { BetaMessage, BetaMessageTokensCount, BetaRawMessageStreamEvent } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import {
  MissingCredentialsError,
  type ModelCallOptions,
  type ModelClient,
  type ProviderReply,
  type ProviderStream,
  type RawMessagesBody,
} from './model-client.js';
import { textChunk } from './sse-frames.js';

/** The engine owns retries, so that each one is visible as session.status_rescheduled; the gateway's clients own theirs. */
export const ENGINE_CLIENT_OPTIONS = { maxRetries: 0, timeout: 10 * 60_000 } as const;

type HeaderValues = Record<string, string | null>;

interface PendingCall {
  asResponse(): Promise<Response>;
  withResponse(): Promise<{ data: unknown; response: Response }>;
}

/** What the provider SDKs (first-party, Bedrock, Vertex, Foundry) have in common. */
export interface SdkClient {
  beta: {
    messages: {
      stream(params: never, options: { signal: AbortSignal }): {
        on(event: 'streamEvent', listener: (event: BetaRawMessageStreamEvent) => void): unknown;
        finalMessage(): Promise<BetaMessage>;
      };
    };
  };
  /** The SDK's generic request: each provider's middleware rewrites `/v1/messages` to its own wire shape. */
  post(path: string, opts: { body: unknown; headers?: HeaderValues; signal?: AbortSignal; stream?: boolean }): PendingCall;
}

export type CountTokensCall = (
  client: SdkClient,
  body: RawMessagesBody,
  opts: ModelCallOptions,
) => Promise<ProviderReply<BetaMessageTokensCount>>;

/** The provider's request id: Anthropic, Vertex and Foundry send `request-id`, Bedrock `x-amzn-requestid`. */
export const providerRequestId = (headers: Headers): string | undefined =>
  headers.get('request-id') ?? headers.get('x-amzn-requestid') ?? headers.get('x-request-id') ?? undefined;

/** The client's `anthropic-beta` and `anthropic-version`, as headers the provider SDK moves where it must. */
export function forwardedHeaders(opts: ModelCallOptions): HeaderValues {
  const headers: HeaderValues = {};
  if (opts.betas && opts.betas.length > 0) headers['anthropic-beta'] = opts.betas.join(',');
  if (opts.version) headers['anthropic-version'] = opts.version;
  return headers;
}

async function reply<T>(call: PendingCall): Promise<ProviderReply<T>> {
  const { data, response } = await call.withResponse();
  return { body: data as T, requestId: providerRequestId(response.headers) };
}

/** The provider's SSE frames, one by one as they arrive; leaving early aborts the request. */
function eventStream(response: Response, abort: AbortController): ProviderStream {
  return {
    requestId: providerRequestId(response.headers),
    async pump(each) {
      // The SDK hands events one by one, already parsed from its own reads: each becomes a frame of its own.
      for await (const e of this) await each(textChunk([e], `event: ${e.event}\ndata: ${e.data}\n\n`));
    },
    async *[Symbol.asyncIterator]() {
      let finished = false;
      try {
        for await (const sse of Stream.rawEvents(response, abort)) {
          if (sse.event !== null) yield { event: sse.event, data: sse.data };
        }
        finished = true;
      } finally {
        if (!finished) abort.abort();
      }
    },
  };
}

/** An abort controller that also fires when `signal` does, so the stream can be ended from either side. */
function linkedAbort(signal: AbortSignal): AbortController {
  const controller = new AbortController();
  if (signal.aborted) controller.abort();
  else signal.addEventListener('abort', () => controller.abort(), { once: true });
  return controller;
}

const defaultCountTokens: CountTokensCall = (client, body, opts) =>
  reply(client.post('/v1/messages/count_tokens', { body, headers: forwardedHeaders(opts), signal: opts.signal }));

/**
 * Calls through the provider's SDK client. `problem` (missing settings) fails every call before
 * any request is made, with a message saying exactly what to set.
 */
export function streamingModelClient(
  problem: string | undefined,
  client: () => Promise<SdkClient>,
  countTokens: CountTokensCall = defaultCountTokens,
): ModelClient {
  const ready = async (): Promise<SdkClient> => {
    if (problem) throw new MissingCredentialsError(problem);
    return client();
  };
  return {
    async complete(request, signal, _context, observe) {
      const stream = (await ready()).beta.messages.stream(request as never, { signal });
      if (observe) stream.on('streamEvent', observe);
      return stream.finalMessage();
    },
    async stream(body, opts) {
      const sdk = await ready();
      const abort = linkedAbort(opts.signal);
      const response = await sdk
        .post('/v1/messages', { body: { ...body, stream: true }, stream: true, headers: forwardedHeaders(opts), signal: abort.signal })
        .asResponse();
      return eventStream(response, abort);
    },
    async create(body, opts) {
      const sdk = await ready();
      return reply<BetaMessage>(sdk.post('/v1/messages', { body, headers: forwardedHeaders(opts), signal: opts.signal }));
    },
    async countTokens(body, opts) {
      return countTokens(await ready(), body, opts);
    },
  };
}

// The one interface through which agentd calls Claude (engine and gateway alike); providers implement it.
import type {
  BetaMessage,
  BetaMessageTokensCount,
  BetaRawMessageStreamEvent,
  MessageCreateParamsBase,
} from '@anthropic-ai/sdk/resources/beta/messages/messages.js';

export type ModelRequest = Omit<MessageCreateParamsBase, 'stream'>;

/**
 * A Messages API body exactly as a client sent it. The gateway forwards fields agentd does not know
 * (newer betas) unchanged, so this is deliberately looser than the SDK's params type.
 */
export type RawMessagesBody = Record<string, unknown> & { model: string };

/** Who a call is made for: the workspace whose files a request may name (and, later, ledger attribution). */
export interface ModelCallContext {
  workspaceId: string;
}

export interface ModelCallOptions {
  signal: AbortSignal;
  /** `anthropic-beta` values, passed on the way each provider expects them (header or body). */
  betas?: readonly string[] | undefined;
  /** `anthropic-version` the client asked for (the SDK's own otherwise). */
  version?: string | undefined;
  context?: ModelCallContext | undefined;
}

/** One server-sent event as the provider sent it: `data` is the JSON text, unparsed. */
export interface ProviderEvent {
  event: string;
  data: string;
}

/** The complete SSE frames that one read from the provider brought: the frames as received, and their events. */
export interface ProviderChunk {
  /** The frames exactly as the provider sent them (or re-framed as SSE, for providers that do not speak it). */
  readonly raw: Buffer | string;
  /** Every event of these frames, in order. */
  readonly events: readonly ProviderEvent[];
  /** The events named in `names`, in order; a relay that observes a few kinds leaves the rest undecoded. */
  only(names: ReadonlySet<string>): readonly ProviderEvent[];
}

/**
 * Takes one read's frames while relaying. Returning a promise holds reading until it settles (the consumer is
 * full); throwing, or rejecting, ends the call.
 */
export type ChunkHandler = (chunk: ProviderChunk) => void | Promise<void>;

/**
 * A streaming call the provider accepted: its events in arrival order. Ending the iteration early aborts the call.
 * Iterate the events or `pump` the chunks, not both.
 */
export interface ProviderStream extends AsyncIterable<ProviderEvent> {
  /** The provider's `request-id` (or equivalent), when it sent one. */
  readonly requestId: string | undefined;
  /**
   * The same stream a read at a time, pushed to `each`, for relaying: one write per read rather than per event, and
   * no promise per read (a relay of 100 streams makes thousands of reads a second). Resolves when the stream ends;
   * rejects when it breaks off, when the call's signal aborts it, or with what `each` threw.
   */
  pump(each: ChunkHandler): Promise<void>;
}

/** A non-streaming answer and the provider's request id. */
export interface ProviderReply<T> {
  body: T;
  requestId: string | undefined;
  /** The body's bytes as the provider sent them (first-party path), so it can be relayed without re-serialising. */
  raw?: Buffer | undefined;
}

/** Sees each event of a streaming call as it arrives (the engine's live previews). */
export type StreamObserver = (event: BetaRawMessageStreamEvent) => void;

export interface ModelClient {
  /** Streams one Messages API call and resolves with the complete assistant message; `observe` sees each event as it arrives. */
  complete(request: ModelRequest, signal: AbortSignal, context?: ModelCallContext, observe?: StreamObserver): Promise<BetaMessage>;
  /**
   * Opens a streaming call (`stream: true` is added) and resolves once the provider has accepted it;
   * an HTTP error rejects with the SDK's APIError, a mid-stream error arrives as an `error` event.
   */
  stream(body: RawMessagesBody, opts: ModelCallOptions): Promise<ProviderStream>;
  /** One non-streaming call. */
  create(body: RawMessagesBody, opts: ModelCallOptions): Promise<ProviderReply<BetaMessage>>;
  /** `POST /v1/messages/count_tokens` on the provider (Bedrock: its CountTokens API). */
  countTokens(body: RawMessagesBody, opts: ModelCallOptions): Promise<ProviderReply<BetaMessageTokensCount>>;
}

/** Raised before any call when the provider has no credentials; the message says what to set. */
export class MissingCredentialsError extends Error {
  override name = 'MissingCredentialsError';
}

// The one interface through which the engine calls Claude; providers implement it.
import type { BetaMessage, MessageCreateParamsBase } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';

export type ModelRequest = Omit<MessageCreateParamsBase, 'stream'>;

export interface ModelClient {
  /** Streams one Messages API call and resolves with the complete assistant message. */
  complete(request: ModelRequest, signal: AbortSignal): Promise<BetaMessage>;
}

/** Raised before any call when the provider has no credentials; the message says what to set. */
export class MissingCredentialsError extends Error {
  override name = 'MissingCredentialsError';
}

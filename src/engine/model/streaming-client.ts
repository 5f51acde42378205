// The part every provider shares: how its SDK client is called, and the options the engine needs.
import type { BetaMessage } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import { MissingCredentialsError, type ModelClient } from './model-client.js';

/** The engine owns retries, so that each one is visible as session.status_rescheduled. */
export const ENGINE_CLIENT_OPTIONS = { maxRetries: 0, timeout: 10 * 60_000 } as const;

/** What the provider SDKs (first-party, Bedrock, Vertex, Foundry) have in common. */
interface StreamingSdkClient {
  beta: { messages: { stream(params: never, options: { signal: AbortSignal }): { finalMessage(): Promise<BetaMessage> } } };
}

/**
 * Streams each call through the provider's SDK client. `problem` (missing settings) fails every
 * call before any request is made, with a message saying exactly what to set.
 */
export function streamingModelClient(problem: string | undefined, client: () => Promise<StreamingSdkClient>): ModelClient {
  return {
    async complete(request, signal) {
      if (problem) throw new MissingCredentialsError(problem);
      return (await client()).beta.messages.stream(request as never, { signal }).finalMessage();
    },
  };
}

// First-party Messages API (or any compatible gateway) through @anthropic-ai/sdk.
import Anthropic from '@anthropic-ai/sdk';
import { MissingCredentialsError, type ModelClient, type ModelRequest } from './model-client.js';

/** Honours ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN and ANTHROPIC_BASE_URL, as the SDK does. */
export function anthropicModelClient(env: Readonly<Record<string, string | undefined>>): ModelClient {
  const apiKey = env.ANTHROPIC_API_KEY || undefined;
  const authToken = env.ANTHROPIC_AUTH_TOKEN || undefined;
  const client =
    apiKey || authToken
      ? new Anthropic({
          apiKey: apiKey ?? null,
          authToken: authToken ?? null,
          baseURL: env.ANTHROPIC_BASE_URL || undefined,
          // The engine owns retries so that each one is visible as session.status_rescheduled.
          maxRetries: 0,
          timeout: 10 * 60_000,
        })
      : undefined;
  return {
    async complete(request: ModelRequest, signal: AbortSignal) {
      if (!client) {
        throw new MissingCredentialsError(
          'no model credentials: start agentd with ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN) set, ' +
            'optionally ANTHROPIC_BASE_URL for a compatible gateway, or choose another provider with ' +
            'AGENTD_MODEL_PROVIDER=bedrock|vertex|foundry',
        );
      }
      return client.beta.messages.stream(request as never, { signal }).finalMessage();
    },
  };
}

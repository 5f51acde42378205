// First-party Messages API (or any compatible gateway) through @anthropic-ai/sdk.
import Anthropic from '@anthropic-ai/sdk';
import type { ModelClient } from './model-client.js';
import { setting, type ProviderEnv } from './provider-env.js';
import { anthropicCheck } from './provider-check.js';
import { ENGINE_CLIENT_OPTIONS, streamingModelClient } from './streaming-client.js';

/** Honours ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN and ANTHROPIC_BASE_URL, as the SDK does. */
export function anthropicModelClient(env: ProviderEnv): ModelClient {
  const apiKey = setting(env, 'ANTHROPIC_API_KEY');
  const authToken = setting(env, 'ANTHROPIC_AUTH_TOKEN');
  const { problem } = anthropicCheck(env);
  const client = new Anthropic({
    apiKey: apiKey ?? null,
    authToken: authToken ?? null,
    baseURL: setting(env, 'ANTHROPIC_BASE_URL') ?? null,
    ...ENGINE_CLIENT_OPTIONS,
  });
  return streamingModelClient(problem, async () => client);
}

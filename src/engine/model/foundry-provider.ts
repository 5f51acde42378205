// Microsoft Foundry through @anthropic-ai/foundry-sdk, configured from providerEnv.
import type { ModelClient } from './model-client.js';
import { ENGINE_CLIENT_OPTIONS, streamingModelClient } from './streaming-client.js';
import { lazily, setting, type ProviderEnv } from './provider-env.js';
import { foundryCheck } from './provider-check.js';

/**
 * Required: ANTHROPIC_FOUNDRY_API_KEY, and exactly one of ANTHROPIC_FOUNDRY_RESOURCE (the resource name, giving
 * https://<resource>.services.ai.azure.com/anthropic/) or ANTHROPIC_FOUNDRY_BASE_URL. Microsoft Entra ID tokens are
 * not supported here.
 */
export function foundryModelClient(env: ProviderEnv): ModelClient {
  const apiKey = setting(env, 'ANTHROPIC_FOUNDRY_API_KEY');
  const resource = setting(env, 'ANTHROPIC_FOUNDRY_RESOURCE');
  const baseURL = setting(env, 'ANTHROPIC_FOUNDRY_BASE_URL');
  const { problem } = foundryCheck(env);

  const client = lazily(async () => {
    const { AnthropicFoundry } = await import('@anthropic-ai/foundry-sdk');
    return new AnthropicFoundry({
      apiKey: apiKey!,
      // null (not undefined) keeps the SDK from reading the other one from process.env.
      resource: resource ?? null,
      baseURL: baseURL ?? null,
      ...ENGINE_CLIENT_OPTIONS,
    });
  });

  return streamingModelClient(problem, client);
}

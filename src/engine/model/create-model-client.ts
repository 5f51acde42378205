// Picks the provider SDK from configuration and applies the model-id mapping.
import type { EngineConfig } from '../../config/config.js';
import { anthropicModelClient } from './anthropic-provider.js';
import type { ModelClient } from './model-client.js';

export function createModelClient(config: EngineConfig): ModelClient {
  const inner = providerClient(config, config.providerEnv);
  return {
    complete: (request, signal) =>
      inner.complete({ ...request, model: config.modelMap[request.model] ?? request.model }, signal),
  };
}

function providerClient(config: EngineConfig, env: Readonly<Record<string, string | undefined>>): ModelClient {
  switch (config.provider) {
    case 'anthropic':
      return anthropicModelClient(env);
    default:
      throw new Error(`model provider "${config.provider}" is not available in this build`);
  }
}

// Picks the provider SDK from configuration and applies the model-id mapping.
import type { EngineConfig } from '../../config/config.js';
import { anthropicModelClient } from './anthropic-provider.js';
import { bedrockModelClient } from './bedrock-provider.js';
import { foundryModelClient } from './foundry-provider.js';
import type { ModelClient } from './model-client.js';
import type { ProviderEnv } from './provider-env.js';
import { vertexModelClient } from './vertex-provider.js';

/**
 * Agent model ids are first-party ids (`claude-opus-4-8`). AGENTD_MODEL_MAP translates them for the provider; an id
 * without an entry is sent unchanged. That is right for anthropic, vertex and foundry (whose deployments default to
 * the model id); Bedrock wants its own ids (`anthropic.`/`global.anthropic.`-prefixed, or inference-profile ARNs),
 * which agentd does not guess — map them explicitly.
 */
export function createModelClient(config: EngineConfig): ModelClient {
  const inner = providerClient(config, config.providerEnv);
  const mapped = <T extends { model: string }>(body: T): T => ({ ...body, model: providerModelId(config, body.model) });
  return {
    complete: (request, signal, context, observe) => inner.complete(mapped(request), signal, context, observe),
    stream: (body, opts) => inner.stream(mapped(body), opts),
    create: (body, opts) => inner.create(mapped(body), opts),
    countTokens: (body, opts) => inner.countTokens(mapped(body), opts),
  };
}

/** The id the provider is sent for `model` (AGENTD_MODEL_MAP, or the id itself). */
export const providerModelId = (config: Pick<EngineConfig, 'modelMap'>, model: string): string =>
  config.modelMap[model] ?? model;

function providerClient(config: EngineConfig, env: ProviderEnv): ModelClient {
  switch (config.provider) {
    case 'anthropic':
      return anthropicModelClient(env);
    case 'bedrock':
      return bedrockModelClient(env);
    case 'vertex':
      return vertexModelClient(env);
    case 'foundry':
      return foundryModelClient(env);
  }
}

// Values of the GenAI semantic conventions that agentd's spans share (engine turns and gateway calls).
import type { ModelProviderName } from '../config/config.js';

/** gen_ai.provider.name of each model provider (the convention's well-known values). */
export const GEN_AI_PROVIDER_NAMES: Record<ModelProviderName, string> = {
  anthropic: 'anthropic',
  bedrock: 'aws.bedrock',
  vertex: 'gcp.vertex_ai',
  foundry: 'azure.ai.inference',
};

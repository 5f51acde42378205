// What each provider needs from its variables, decided once: the reason it cannot call the model
// (the session error, and the start banner's warning) and where its credentials come from.
import { setting, type ProviderEnv } from './provider-env.js';

export interface ProviderCheck {
  /** Set when a call cannot succeed; names the exact variables to set. */
  problem: string | undefined;
  /** Where the credentials come from (a variable name, or a credential chain checked on the first call). */
  credentials: string | undefined;
}

export function anthropicCheck(env: ProviderEnv): ProviderCheck {
  const credentials = setting(env, 'ANTHROPIC_API_KEY') ? 'ANTHROPIC_API_KEY' : setting(env, 'ANTHROPIC_AUTH_TOKEN') ? 'ANTHROPIC_AUTH_TOKEN' : undefined;
  return {
    credentials,
    problem: credentials
      ? undefined
      : 'no model credentials: start agentd with ANTHROPIC_API_KEY (or ANTHROPIC_AUTH_TOKEN) set, ' +
        'optionally ANTHROPIC_BASE_URL for a compatible gateway, or choose another provider with ' +
        'AGENTD_MODEL_PROVIDER=bedrock|vertex|foundry',
  };
}

export function bedrockCheck(env: ProviderEnv): ProviderCheck {
  const region = setting(env, 'AWS_REGION') ?? setting(env, 'AWS_DEFAULT_REGION');
  const apiKey = setting(env, 'AWS_BEARER_TOKEN_BEDROCK');
  const accessKey = setting(env, 'AWS_ACCESS_KEY_ID');
  const secretKey = setting(env, 'AWS_SECRET_ACCESS_KEY');
  const problem = !region
    ? 'AGENTD_MODEL_PROVIDER=bedrock needs AWS_REGION (or AWS_DEFAULT_REGION) set to the Bedrock region, e.g. us-east-1'
    : !apiKey && (accessKey === undefined) !== (secretKey === undefined)
      ? `AGENTD_MODEL_PROVIDER=bedrock: ${accessKey ? 'AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY' : 'AWS_SECRET_ACCESS_KEY is set without AWS_ACCESS_KEY_ID'}; ` +
        'set both, or neither to use the AWS credential chain, or AWS_BEARER_TOKEN_BEDROCK for a Bedrock API key'
      : undefined;
  const credentials = apiKey
    ? 'AWS_BEARER_TOKEN_BEDROCK'
    : accessKey && secretKey
      ? 'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY'
      : 'the AWS default credential chain (checked on the first call)';
  return { problem, credentials: problem ? undefined : credentials };
}

export function vertexCheck(env: ProviderEnv): ProviderCheck {
  const missing = [!setting(env, 'CLOUD_ML_REGION') && 'CLOUD_ML_REGION', !setting(env, 'ANTHROPIC_VERTEX_PROJECT_ID') && 'ANTHROPIC_VERTEX_PROJECT_ID'].filter(Boolean);
  const problem = missing.length
    ? `AGENTD_MODEL_PROVIDER=vertex needs ${missing.join(' and ')} set (the Vertex AI region, e.g. us-east5 or global, ` +
      'and the Google Cloud project id); credentials come from GOOGLE_APPLICATION_CREDENTIALS or Application Default Credentials'
    : undefined;
  const credentials = setting(env, 'GOOGLE_APPLICATION_CREDENTIALS')
    ? 'GOOGLE_APPLICATION_CREDENTIALS'
    : 'Google Application Default Credentials (checked on the first call)';
  return { problem, credentials: problem ? undefined : credentials };
}

export function foundryCheck(env: ProviderEnv): ProviderCheck {
  const apiKey = setting(env, 'ANTHROPIC_FOUNDRY_API_KEY');
  const resource = setting(env, 'ANTHROPIC_FOUNDRY_RESOURCE');
  const baseURL = setting(env, 'ANTHROPIC_FOUNDRY_BASE_URL');
  const missing = [!apiKey && 'ANTHROPIC_FOUNDRY_API_KEY', !resource && !baseURL && 'ANTHROPIC_FOUNDRY_RESOURCE (or ANTHROPIC_FOUNDRY_BASE_URL)'].filter(Boolean);
  const problem = missing.length
    ? `AGENTD_MODEL_PROVIDER=foundry needs ${missing.join(' and ')} set`
    : resource && baseURL
      ? 'AGENTD_MODEL_PROVIDER=foundry: set ANTHROPIC_FOUNDRY_RESOURCE or ANTHROPIC_FOUNDRY_BASE_URL, not both'
      : undefined;
  return { problem, credentials: problem ? undefined : 'ANTHROPIC_FOUNDRY_API_KEY' };
}

export const PROVIDER_CHECKS = { anthropic: anthropicCheck, bedrock: bedrockCheck, vertex: vertexCheck, foundry: foundryCheck } as const;

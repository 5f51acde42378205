// Amazon Bedrock (InvokeModel with response streaming) through @anthropic-ai/bedrock-sdk, configured from providerEnv.
import type { ModelClient } from './model-client.js';
import { ENGINE_CLIENT_OPTIONS, streamingModelClient } from './streaming-client.js';
import { lazily, setting, type ProviderEnv } from './provider-env.js';

/**
 * Region: AWS_REGION (or AWS_DEFAULT_REGION), required. Auth, first match wins: AWS_BEARER_TOKEN_BEDROCK (a Bedrock
 * API key); AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN); otherwise the AWS default credential
 * chain (profiles, SSO, web identity, ECS/EC2 roles), which the AWS SDK resolves from the process environment.
 * ANTHROPIC_BEDROCK_BASE_URL overrides the endpoint (e.g. a VPC endpoint or gateway).
 */
export function bedrockModelClient(env: ProviderEnv): ModelClient {
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

  const client = lazily(async () => {
    const { AnthropicBedrock } = await import('@anthropic-ai/bedrock-sdk');
    const common = {
      awsRegion: region!,
      // Explicit, so that the SDK does not fall back to process.env.
      baseURL: setting(env, 'ANTHROPIC_BEDROCK_BASE_URL') ?? `https://bedrock-runtime.${region}.amazonaws.com`,
      apiKey: apiKey ?? null,
      ...ENGINE_CLIENT_OPTIONS,
    };
    return !apiKey && accessKey && secretKey
      ? new AnthropicBedrock({
          ...common,
          awsAccessKey: accessKey,
          awsSecretKey: secretKey,
          awsSessionToken: setting(env, 'AWS_SESSION_TOKEN') ?? null,
        })
      : new AnthropicBedrock(common);
  });

  return streamingModelClient(problem, client);
}

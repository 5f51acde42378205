// Amazon Bedrock (InvokeModel with response streaming) through @anthropic-ai/bedrock-sdk, configured from providerEnv.
import type { BetaMessageTokensCount } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import type { ModelClient } from './model-client.js';
import { ENGINE_CLIENT_OPTIONS, providerRequestId, streamingModelClient, type CountTokensCall } from './streaming-client.js';
import { lazily, setting, type ProviderEnv } from './provider-env.js';
import { bedrockCheck } from './provider-check.js';

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
  const { problem } = bedrockCheck(env);

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

  return streamingModelClient(problem, client, bedrockCountTokens);
}

/** The Anthropic body version Bedrock's InvokeModel (and so CountTokens) expects. */
const BEDROCK_VERSION = 'bedrock-2023-05-31';

/**
 * Bedrock has no `/v1/messages/count_tokens`: its CountTokens API takes the InvokeModel body (base64) for a model
 * and answers `{inputTokens}`. The version and betas go inside that body, so the SDK must not add them outside it.
 */
const bedrockCountTokens: CountTokensCall = async (client, body, opts) => {
  const { model, stream: _stream, ...rest } = body;
  const invokeBody = {
    anthropic_version: BEDROCK_VERSION,
    ...(opts.betas && opts.betas.length > 0 ? { anthropic_beta: [...opts.betas] } : {}),
    ...rest,
  };
  const { data, response } = await client
    .post(`/model/${encodeURIComponent(model)}/count-tokens`, {
      body: { input: { invokeModel: { body: Buffer.from(JSON.stringify(invokeBody)).toString('base64') } } },
      headers: { 'anthropic-version': null, 'anthropic-beta': null },
      signal: opts.signal,
    })
    .withResponse();
  const counted: BetaMessageTokensCount = {
    input_tokens: Number((data as { inputTokens?: unknown }).inputTokens ?? 0),
    context_management: null,
  };
  return { body: counted, requestId: providerRequestId(response.headers) };
};

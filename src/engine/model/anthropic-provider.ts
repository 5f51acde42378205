// First-party Messages API (or any compatible gateway) through @anthropic-ai/sdk.
import Anthropic from '@anthropic-ai/sdk';
import { firstPartyHttp } from './first-party-http.js';
import { MissingCredentialsError, type ModelClient } from './model-client.js';
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
  const viaSdk = streamingModelClient(problem, async () => client);
  // The gateway's pass-through calls take the lean path; the agent loop keeps the SDK's message assembly.
  const lean = firstPartyHttp({
    baseURL: setting(env, 'ANTHROPIC_BASE_URL') ?? 'https://api.anthropic.com',
    apiKey,
    authToken,
    timeoutMs: ENGINE_CLIENT_OPTIONS.timeout,
  });
  const ready = () => {
    if (problem) throw new MissingCredentialsError(problem);
  };
  return {
    complete: viaSdk.complete,
    stream: async (body, opts) => (ready(), lean.stream(body, opts)),
    create: async (body, opts) => (ready(), lean.create(body, opts)),
    countTokens: async (body, opts) => (ready(), lean.countTokens(body, opts)),
  };
}

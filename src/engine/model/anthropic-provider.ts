// First-party Messages API (or any compatible gateway) over node:http (first-party-http.ts), with the SDK's error
// classes and, for the agent loop, its message assembly.
import { firstPartyComplete } from './first-party-complete.js';
import { firstPartyHttp } from './first-party-http.js';
import { MissingCredentialsError, type ModelClient } from './model-client.js';
import { setting, type ProviderEnv } from './provider-env.js';
import { anthropicCheck } from './provider-check.js';
import { ENGINE_CLIENT_OPTIONS } from './streaming-client.js';

/** Honours ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN, ANTHROPIC_BASE_URL and ANTHROPIC_CUSTOM_HEADERS, as the SDK does. */
export function anthropicModelClient(env: ProviderEnv): ModelClient {
  const apiKey = setting(env, 'ANTHROPIC_API_KEY');
  const authToken = setting(env, 'ANTHROPIC_AUTH_TOKEN');
  const { problem } = anthropicCheck(env);
  const lean = firstPartyHttp({
    baseURL: setting(env, 'ANTHROPIC_BASE_URL') ?? 'https://api.anthropic.com',
    apiKey,
    authToken,
    timeoutMs: ENGINE_CLIENT_OPTIONS.timeout,
    customHeaders: setting(env, 'ANTHROPIC_CUSTOM_HEADERS'),
  });
  const ready = () => {
    if (problem) throw new MissingCredentialsError(problem);
  };
  const complete = firstPartyComplete(lean);
  return {
    complete: async (request, signal, _context, observe) => (ready(), complete(request, signal, observe)),
    stream: async (body, opts) => (ready(), lean.stream(body, opts)),
    create: async (body, opts) => (ready(), lean.create(body, opts)),
    countTokens: async (body, opts) => (ready(), lean.countTokens(body, opts)),
  };
}

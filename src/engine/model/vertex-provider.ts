// Google Vertex AI (:streamRawPredict) through @anthropic-ai/vertex-sdk, configured from providerEnv.
import type { ModelClient } from './model-client.js';
import { ENGINE_CLIENT_OPTIONS, streamingModelClient } from './streaming-client.js';
import { lazily, setting, type ProviderEnv } from './provider-env.js';
import { vertexCheck } from './provider-check.js';

const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/**
 * Required: CLOUD_ML_REGION (e.g. us-east5, or global) and ANTHROPIC_VERTEX_PROJECT_ID. Auth: the credentials file
 * GOOGLE_APPLICATION_CREDENTIALS (service account, workload identity federation, …), otherwise Google Application
 * Default Credentials as google-auth-library finds them (gcloud ADC file, metadata server). ANTHROPIC_VERTEX_BASE_URL
 * overrides the endpoint.
 */
export function vertexModelClient(env: ProviderEnv): ModelClient {
  const region = setting(env, 'CLOUD_ML_REGION');
  const projectId = setting(env, 'ANTHROPIC_VERTEX_PROJECT_ID');
  const { problem } = vertexCheck(env);

  const client = lazily(async () => {
    const [{ AnthropicVertex }, { GoogleAuth }] = await Promise.all([
      import('@anthropic-ai/vertex-sdk'),
      import('google-auth-library'),
    ]);
    const keyFilename = setting(env, 'GOOGLE_APPLICATION_CREDENTIALS');
    return new AnthropicVertex({
      region: region!,
      projectId: projectId!,
      // null (not undefined) derives the endpoint from the region instead of reading process.env.
      baseURL: setting(env, 'ANTHROPIC_VERTEX_BASE_URL') ?? null,
      googleAuth: new GoogleAuth({ scopes: SCOPE, projectId: projectId!, ...(keyFilename ? { keyFilename } : {}) }),
      ...ENGINE_CLIENT_OPTIONS,
    });
  });

  return streamingModelClient(problem, client);
}

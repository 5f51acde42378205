// The model providers (anthropic, bedrock, vertex, foundry) end to end over loopback: config, auth, model ids, errors.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createModelClient } from '../../src/engine/model/create-model-client.js';
import { MissingCredentialsError, type ModelClient, type ModelRequest } from '../../src/engine/model/model-client.js';
import { classifyModelError } from '../../src/engine/model/model-errors.js';
import { useFakeAnthropic } from '../helpers/use.js';
import { startProviderGateway, writeVertexCredentials, type GatewayRequest, type ProviderGateway } from '../helpers/fake-anthropic/provider-gateway.js';

const REQUEST: ModelRequest = {
  model: 'claude-sonnet-4-6',
  max_tokens: 256,
  messages: [{ role: 'user', content: 'Hello' }],
};

/** The engine's model client exactly as `agentd serve` builds it from this environment. */
function clientFor(env: Record<string, string>): ModelClient {
  return createModelClient(loadConfig({}, env).engine);
}

const complete = (client: ModelClient, request: ModelRequest = REQUEST) => client.complete(request, new AbortController().signal);

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

async function missingSettings(env: Record<string, string>): Promise<string> {
  const err = await failure(complete(clientFor(env)));
  expect(err).toBeInstanceOf(MissingCredentialsError);
  expect(classifyModelError(err)).toMatchObject({ retryable: false, type: 'model_request_failed_error' });
  return (err as Error).message;
}

describe('model providers', () => {
  const fake = useFakeAnthropic();
  let gateway: ProviderGateway;
  let dir: string;
  beforeAll(async () => {
    gateway = await startProviderGateway(fake);
    dir = await mkdtemp(path.join(os.tmpdir(), 'agentd-providers-'));
  });
  afterAll(async () => {
    await gateway?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  let seen: { gateway: number; fake: number };
  beforeEach(() => {
    seen = { gateway: gateway.requests.length, fake: fake.requests.length };
  });
  const newGatewayRequests = (): GatewayRequest[] => gateway.requests.slice(seen.gateway);
  const lastFakeRequest = () => {
    expect(fake.requests.length).toBeGreaterThan(seen.fake);
    return fake.requests.at(-1)!;
  };
  const replyText = (text: string) => fake.enqueue({ content: [{ type: 'text', text }] });

  describe('missing settings fail before any request, naming what to set', () => {
    it('bedrock: the region, or the other half of a static key pair', async () => {
      expect(await missingSettings({ AGENTD_MODEL_PROVIDER: 'bedrock' })).toMatch(/AWS_REGION \(or AWS_DEFAULT_REGION\)/);
      expect(
        await missingSettings({ AGENTD_MODEL_PROVIDER: 'bedrock', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'AKIDONLY' }),
      ).toMatch(/AWS_ACCESS_KEY_ID is set without AWS_SECRET_ACCESS_KEY.*AWS_BEARER_TOKEN_BEDROCK/);
      expect(newGatewayRequests()).toEqual([]);
    });

    it('vertex: CLOUD_ML_REGION and ANTHROPIC_VERTEX_PROJECT_ID', async () => {
      const both = await missingSettings({ AGENTD_MODEL_PROVIDER: 'vertex' });
      expect(both).toMatch(/needs CLOUD_ML_REGION and ANTHROPIC_VERTEX_PROJECT_ID set/);
      const one = await missingSettings({ AGENTD_MODEL_PROVIDER: 'vertex', CLOUD_ML_REGION: 'us-east5' });
      expect(one).toMatch(/needs ANTHROPIC_VERTEX_PROJECT_ID set/);
      expect(one).not.toMatch(/needs CLOUD_ML_REGION/);
    });

    it('foundry: the API key and the resource (or base URL), and not both endpoints', async () => {
      expect(await missingSettings({ AGENTD_MODEL_PROVIDER: 'foundry' })).toMatch(
        /needs ANTHROPIC_FOUNDRY_API_KEY and ANTHROPIC_FOUNDRY_RESOURCE \(or ANTHROPIC_FOUNDRY_BASE_URL\) set/,
      );
      expect(
        await missingSettings({ AGENTD_MODEL_PROVIDER: 'foundry', ANTHROPIC_FOUNDRY_RESOURCE: 'my-resource' }),
      ).toMatch(/needs ANTHROPIC_FOUNDRY_API_KEY set/);
      expect(
        await missingSettings({
          AGENTD_MODEL_PROVIDER: 'foundry',
          ANTHROPIC_FOUNDRY_API_KEY: 'k',
          ANTHROPIC_FOUNDRY_RESOURCE: 'my-resource',
          ANTHROPIC_FOUNDRY_BASE_URL: 'https://gateway.example/anthropic/',
        }),
      ).toMatch(/ANTHROPIC_FOUNDRY_RESOURCE or ANTHROPIC_FOUNDRY_BASE_URL, not both/);
    });

    it('anthropic: the API key', async () => {
      expect(await missingSettings({})).toMatch(/ANTHROPIC_API_KEY/);
    });
  });

  describe('anthropic (first-party or ANTHROPIC_BASE_URL gateway)', () => {
    it('applies AGENTD_MODEL_MAP and passes unmapped ids through', async () => {
      const client = clientFor({
        ANTHROPIC_API_KEY: 'sk-test',
        ANTHROPIC_BASE_URL: fake.url,
        AGENTD_MODEL_MAP: JSON.stringify({ 'claude-sonnet-4-6': 'gateway-sonnet' }),
      });
      replyText('mapped');
      replyText('unmapped');
      expect((await complete(client)).content).toMatchObject([{ type: 'text', text: 'mapped' }]);
      expect(lastFakeRequest().body.model).toBe('gateway-sonnet');
      expect((await complete(client, { ...REQUEST, model: 'claude-opus-4-8' })).content).toMatchObject([{ text: 'unmapped' }]);
      expect(lastFakeRequest().body.model).toBe('claude-opus-4-8');
    });

    it('sends ANTHROPIC_CUSTOM_HEADERS with every call, as the SDK does, on the engine and gateway paths', async () => {
      const client = clientFor({
        ANTHROPIC_API_KEY: 'sk-test',
        ANTHROPIC_BASE_URL: fake.url,
        ANTHROPIC_CUSTOM_HEADERS: 'X-Gateway-Team: agents\nx-trace-tag:  t-1 \nnot a header',
      });
      replyText('with headers');
      expect((await complete(client)).content).toMatchObject([{ text: 'with headers' }]);
      expect(lastFakeRequest().headers).toMatchObject({ 'x-gateway-team': 'agents', 'x-trace-tag': 't-1', 'x-api-key': 'sk-test', 'content-type': 'application/json' });
      replyText('gateway call');
      await client.create({ ...REQUEST }, { signal: new AbortController().signal });
      expect(lastFakeRequest().headers).toMatchObject({ 'x-gateway-team': 'agents', 'x-trace-tag': 't-1' });
    });
  });

  describe('vertex', () => {
    let credentialsFile: string;
    beforeAll(async () => {
      credentialsFile = await writeVertexCredentials(dir, gateway.url);
    });
    const vertexEnv = () => ({
      AGENTD_MODEL_PROVIDER: 'vertex',
      CLOUD_ML_REGION: 'us-east5',
      ANTHROPIC_VERTEX_PROJECT_ID: 'agentd-test',
      ANTHROPIC_VERTEX_BASE_URL: `${gateway.url}/v1`,
      GOOGLE_APPLICATION_CREDENTIALS: credentialsFile,
      AGENTD_MODEL_MAP: JSON.stringify({ 'claude-sonnet-4-6': 'claude-sonnet-4-6-pinned' }),
    });

    it('streams through :streamRawPredict with the mapped model and a Google OAuth token', async () => {
      replyText('Hello from Vertex');
      const message = await complete(clientFor(vertexEnv()));
      expect(message.content).toMatchObject([{ type: 'text', text: 'Hello from Vertex' }]);
      expect(message.stop_reason).toBe('end_turn');

      const [sts, call, ...rest] = newGatewayRequests();
      expect(rest).toEqual([]);
      expect(sts).toMatchObject({ route: 'google-sts' });
      expect(new URLSearchParams(sts!.rawBody).get('subject_token')).toBe('oidc-subject-token');
      expect(call).toMatchObject({
        route: 'vertex',
        path: '/v1/projects/agentd-test/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-6-pinned:streamRawPredict',
        model: 'claude-sonnet-4-6-pinned',
      });
      expect(call!.headers['authorization']).toBe('Bearer ya29.gateway-1');
      expect(call!.headers['x-api-key']).toBeUndefined();
      expect(call!.body).toMatchObject({ anthropic_version: expect.any(String), stream: true });
      expect(call!.body).not.toHaveProperty('model');
      expect(lastFakeRequest().body.model).toBe('claude-sonnet-4-6-pinned');
    });

    it('surfaces Vertex errors as the SDK error classes the engine classifies', async () => {
      const client = clientFor(vertexEnv());
      fake.enqueue({ error: { status: 529 } }, { error: { status: 429 } }, { error: { status: 400, message: 'bad' } });
      expect(classifyModelError(await failure(complete(client)))).toMatchObject({ retryable: true, type: 'model_overloaded_error' });
      expect(classifyModelError(await failure(complete(client)))).toMatchObject({ retryable: true, type: 'model_rate_limited_error' });
      expect(classifyModelError(await failure(complete(client)))).toMatchObject({ retryable: false, type: 'model_request_failed_error' });
      fake.enqueue({ midStreamError: { type: 'overloaded_error' } });
      expect(classifyModelError(await failure(complete(client)))).toMatchObject({ retryable: true, type: 'model_overloaded_error' });
    });

    it('an unreachable token endpoint is a retryable connection failure', async () => {
      const badCredentials = path.join(dir, 'unreachable-credentials.json');
      await writeFile(
        badCredentials,
        JSON.stringify({
          type: 'external_account',
          audience: '//iam.googleapis.com/projects/123/locations/global/workloadIdentityPools/agentd/providers/test',
          subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
          token_url: `${gateway.url}/no-such-sts`,
          credential_source: { file: path.join(dir, 'subject-token') },
        }),
      );
      const err = await failure(complete(clientFor({ ...vertexEnv(), GOOGLE_APPLICATION_CREDENTIALS: badCredentials })));
      expect(classifyModelError(err)).toMatchObject({ retryable: true, type: 'model_request_failed_error' });
      expect(newGatewayRequests().map((r) => r.route)).not.toContain('vertex');
    });

    it('honours the abort signal mid-stream', async () => {
      fake.enqueue({ content: [{ type: 'text', text: 'one two three four five six seven eight' }], chunkDelayMs: 200 });
      const controller = new AbortController();
      const pending = clientFor(vertexEnv()).complete(REQUEST, controller.signal);
      await fake.waitForRequests(seen.fake + 1);
      controller.abort();
      const err = await failure(pending);
      expect((err as Error).name).toMatch(/Abort/);
      await fake.waitForIdle();
    });
  });

  describe('foundry', () => {
    const foundryEnv = () => ({
      AGENTD_MODEL_PROVIDER: 'foundry',
      ANTHROPIC_FOUNDRY_API_KEY: 'foundry-key',
      ANTHROPIC_FOUNDRY_BASE_URL: `${gateway.url}/anthropic/`,
      AGENTD_MODEL_MAP: JSON.stringify({ 'claude-sonnet-4-6': 'my-sonnet-deployment' }),
    });

    it('streams through <resource>/anthropic/v1/messages with the API key and the mapped deployment', async () => {
      replyText('Hello from Foundry');
      const message = await complete(clientFor(foundryEnv()));
      expect(message.content).toMatchObject([{ type: 'text', text: 'Hello from Foundry' }]);
      const [call, ...rest] = newGatewayRequests();
      expect(rest).toEqual([]);
      expect(call).toMatchObject({ route: 'foundry', path: '/anthropic/v1/messages' });
      expect(call!.headers['x-api-key']).toBe('foundry-key');
      expect(call!.headers['authorization']).toBeUndefined();
      expect(call!.body).toMatchObject({ model: 'my-sonnet-deployment', stream: true });
      expect(lastFakeRequest().body.model).toBe('my-sonnet-deployment');
    });

    it('surfaces Foundry errors as the SDK error classes the engine classifies', async () => {
      const client = clientFor(foundryEnv());
      fake.enqueue({ error: { status: 429 } }, { midStreamError: { type: 'overloaded_error' } });
      expect(classifyModelError(await failure(complete(client)))).toMatchObject({ retryable: true, type: 'model_rate_limited_error' });
      expect(classifyModelError(await failure(complete(client)))).toMatchObject({ retryable: true, type: 'model_overloaded_error' });
    });
  });

  describe('bedrock', () => {
    const ARN = 'arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/agentd-test';
    const bedrockEnv = (auth: Record<string, string>) => ({
      AGENTD_MODEL_PROVIDER: 'bedrock',
      AWS_REGION: 'eu-west-1',
      ANTHROPIC_BEDROCK_BASE_URL: gateway.url,
      AGENTD_MODEL_MAP: JSON.stringify({ 'claude-sonnet-4-6': ARN }),
      ...auth,
    });

    it('streams AWS event-stream frames from invoke-with-response-stream with a Bedrock API key', async () => {
      replyText('Hello from Bedrock');
      const message = await complete(clientFor(bedrockEnv({ AWS_BEARER_TOKEN_BEDROCK: 'bedrock-api-key' })));
      expect(message.content).toMatchObject([{ type: 'text', text: 'Hello from Bedrock' }]);
      expect(message.stop_reason).toBe('end_turn');
      const [call, ...rest] = newGatewayRequests();
      expect(rest).toEqual([]);
      expect(call).toMatchObject({ route: 'bedrock', path: `/model/${ARN}/invoke-with-response-stream`, model: ARN });
      expect(call!.headers['authorization']).toBe('Bearer bedrock-api-key');
      expect(call!.headers['anthropic-version']).toBeUndefined();
      expect(call!.body).toMatchObject({ anthropic_version: expect.any(String) });
      expect(call!.body).not.toHaveProperty('model');
      expect(lastFakeRequest().body.model).toBe(ARN);
    });

    it('signs with SigV4 from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN', async () => {
      replyText('signed');
      const client = clientFor(
        bedrockEnv({ AWS_ACCESS_KEY_ID: 'AKIDAGENTDTEST', AWS_SECRET_ACCESS_KEY: 'secret', AWS_SESSION_TOKEN: 'session-token' }),
      );
      expect((await complete(client)).content).toMatchObject([{ text: 'signed' }]);
      const [call] = newGatewayRequests();
      expect(call!.headers['authorization']).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDAGENTDTEST\/\d{8}\/eu-west-1\/bedrock\/aws4_request, SignedHeaders=\S*host\S*, Signature=[0-9a-f]{64}$/,
      );
      expect(call!.headers['x-amz-security-token']).toBe('session-token');
      expect(call!.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    });

    it('classifies Bedrock HTTP errors and event-stream exceptions', async () => {
      const client = clientFor(bedrockEnv({ AWS_BEARER_TOKEN_BEDROCK: 'bedrock-api-key' }));
      fake.enqueue({ error: { status: 429 } }, { error: { status: 400, message: 'bad request' } }, { error: { status: 529 } });
      expect(classifyModelError(await failure(complete(client)))).toMatchObject({
        retryable: true,
        type: 'model_rate_limited_error',
        message: expect.stringContaining('ThrottlingException'),
      });
      expect(classifyModelError(await failure(complete(client)))).toMatchObject({
        retryable: false,
        message: expect.stringContaining('ValidationException'),
      });
      expect(classifyModelError(await failure(complete(client)))).toMatchObject({ retryable: true, type: 'model_request_failed_error' });

      replyText('throttled halfway');
      gateway.failNextBedrockStream('throttlingException', 'Too many tokens, please wait before trying again.');
      expect(classifyModelError(await failure(complete(client)))).toMatchObject({ retryable: true, type: 'model_rate_limited_error' });

      replyText('rejected halfway');
      gateway.failNextBedrockStream('validationException', 'Input is too long for requested model.');
      expect(classifyModelError(await failure(complete(client)))).toMatchObject({ retryable: false, type: 'model_request_failed_error' });

      replyText('broken halfway');
      gateway.failNextBedrockStream('modelStreamErrorException', 'The model stream failed.');
      expect(classifyModelError(await failure(complete(client)))).toMatchObject({ retryable: true, type: 'model_request_failed_error' });
    });
  });
});

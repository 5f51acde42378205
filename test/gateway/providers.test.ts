// The gateway on the cloud providers: Bedrock (event-stream re-framed as SSE, CountTokens, its exceptions as the
// Anthropic envelope) and Vertex, through their SDKs against the provider-shaped front of the scripted upstream.
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { expectEnvelope, failure } from '../helpers/errors.js';
import { startProviderGateway, writeVertexCredentials, type ProviderGateway } from '../helpers/fake-anthropic/provider-gateway.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { afterAll, beforeAll } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const BEDROCK_ID = 'global.anthropic.claude-sonnet-4-6';

describe.each(dialects())('gateway on Bedrock (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  let gateway: ProviderGateway;
  beforeAll(async () => {
    gateway = await startProviderGateway(fake);
  });
  afterAll(async () => {
    await gateway?.close();
  });
  const t = useServer(dialect, () => ({
    model: fake,
    env: {
      AGENTD_MODEL_PROVIDER: 'bedrock',
      AWS_REGION: 'us-east-1',
      AWS_BEARER_TOKEN_BEDROCK: 'bedrock-api-key',
      ANTHROPIC_BEDROCK_BASE_URL: gateway.url,
      AGENTD_MODEL_MAP: JSON.stringify({ 'claude-sonnet-4-6': BEDROCK_ID }),
    },
  }));

  it('create, stream and countTokens reach Bedrock under the mapped id; its errors come back as Anthropic errors', async () => {
    fake.enqueue({ content: [{ type: 'text', text: 'from bedrock' }] }, { content: [{ type: 'text', text: 'streamed from bedrock' }] });
    const created = await t.client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] });
    expect(created.content).toEqual([{ type: 'text', text: 'from bedrock' }]);
    expect(gateway.requests.at(-1)).toMatchObject({ route: 'bedrock', path: `/model/${BEDROCK_ID}/invoke` });

    const stream = t.client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] });
    const types: string[] = [];
    for await (const e of stream) types.push(e.type);
    expect((await stream.finalMessage()).content).toEqual([{ type: 'text', text: 'streamed from bedrock' }]);
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
    expect(gateway.requests.at(-1)!.path).toBe(`/model/${BEDROCK_ID}/invoke-with-response-stream`);

    const counted = await t.client.messages.countTokens({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'count me' }] });
    expect(counted.input_tokens).toBeGreaterThan(0);
    expect(gateway.requests.at(-1)!.path).toBe(`/model/${BEDROCK_ID}/count-tokens`);

    fake.enqueue({ error: { status: 529 } });
    const overloaded = await failure(t.client.messages.create({ model: 'claude-sonnet-4-6', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] }));
    expect(overloaded).toBeInstanceOf(Anthropic.InternalServerError);
    expectEnvelope(overloaded, 529, 'overloaded_error');
    expect(overloaded.error.error.message).toMatch(/^ServiceUnavailableException: /);
  });
});

describe.each(dialects())('gateway on Vertex AI (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  let gateway: ProviderGateway;
  let dir: string;
  let credentials: string;
  beforeAll(async () => {
    gateway = await startProviderGateway(fake);
    dir = await mkdtemp(path.join(os.tmpdir(), 'agentd-vertex-'));
    credentials = await writeVertexCredentials(dir, gateway.url);
  });
  afterAll(async () => {
    await gateway?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const t = useServer(dialect, () => ({
    model: fake,
    env: {
      AGENTD_MODEL_PROVIDER: 'vertex',
      CLOUD_ML_REGION: 'us-east5',
      ANTHROPIC_VERTEX_PROJECT_ID: 'agentd-test',
      ANTHROPIC_VERTEX_BASE_URL: `${gateway.url}/v1`,
      GOOGLE_APPLICATION_CREDENTIALS: credentials,
    },
  }));

  it('streams through :streamRawPredict and counts tokens through count-tokens:rawPredict', async () => {
    fake.enqueue({ content: [{ type: 'text', text: 'from vertex' }] });
    const stream = t.client.messages.stream({ model: 'claude-sonnet-4-6', max_tokens: 32, messages: [{ role: 'user', content: 'hi' }] });
    expect((await stream.finalMessage()).content).toEqual([{ type: 'text', text: 'from vertex' }]);
    expect(gateway.requests.at(-1)!.path).toMatch(/\/models\/claude-sonnet-4-6:streamRawPredict$/);
    const counted = await t.client.messages.countTokens({ model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'count me' }] });
    expect(counted.input_tokens).toBeGreaterThan(0);
    expect(gateway.requests.at(-1)!.path).toMatch(/\/models\/count-tokens:rawPredict$/);
  });
});

// The agent's effort, speed and inference geo reach the Messages API in its own fields (the fake
// validates them as the real API does), and the speed a request ran at shows in span usage.
import type Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { sendText, streamWhile } from '../helpers/turns.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';

describe.each(dialects())('model settings in model calls (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake }));

  async function turn(model: Anthropic.Beta.AgentCreateParams['model']) {
    const agent = await createAgent(t.client, { model });
    const env = await createEnvironment(t.client);
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    fake.enqueue({ content: [{ type: 'text', text: 'done' }] });
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'go'));
    const request = fake.requests.at(-1)!;
    return { events, body: request.body as Record<string, unknown>, headers: request.headers, status: request.response.status };
  }

  it('sends effort as output_config.effort, fast speed with its beta, and inference_geo', async () => {
    const { events, body, headers, status } = await turn({ id: 'claude-opus-4-8', effort: 'xhigh', speed: 'fast', inference_geo: 'us' });
    expect(status).toBe(200);
    expect(body['output_config']).toEqual({ effort: 'xhigh' });
    expect(body['speed']).toBe('fast');
    expect(body['inference_geo']).toBe('us');
    expect(headers['anthropic-beta']?.split(',')).toContain('fast-mode-2026-02-01');
    const end = events.find((e) => e.type === 'span.model_request_end');
    expect(end).toMatchObject({ is_error: false, model_usage: { speed: 'fast' } });
  });

  it('a plain model id sends the default effort and no speed field; a model without effort sends none', async () => {
    const plain = await turn('claude-sonnet-4-6');
    expect(plain.body['output_config']).toEqual({ effort: 'high' });
    expect(plain.body).not.toHaveProperty('speed');
    expect(plain.body).not.toHaveProperty('inference_geo');
    const end = plain.events.find((e) => e.type === 'span.model_request_end');
    expect(end).toMatchObject({ is_error: false });
    expect((end as { model_usage: object }).model_usage).not.toHaveProperty('speed');

    const haiku = await turn('claude-haiku-4-5');
    expect(haiku.status).toBe(200);
    expect(haiku.body).not.toHaveProperty('output_config');
  });
});

// Webhook delivery end to end: a real receiver on 127.0.0.1 verifies every delivery with the
// official SDK's `webhooks.unwrap`; retries keep the webhook-id, survive a restart, stop when the
// endpoint is deleted; status changes, deployment runs and resource changes are emitted.
import type Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment, userMessage } from '../helpers/fixtures.js';
import { sendText, waitSettled } from '../helpers/turns.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { startWebhookReceiver, type Delivery, type WebhookReceiver } from '../helpers/webhook-receiver.js';

type Events = Anthropic.Beta.Organization.WebhookCreateParams['enabled_events'];
const events = (...types: string[]) => types as unknown as Events;

const WEBHOOK_ENV = {
  AGENTD_WEBHOOK_PRIVATE_TARGETS: 'loopback',
  AGENTD_WEBHOOK_POLL_MS: '50',
  AGENTD_WEBHOOK_RETRY_BASE_MS: '1500',
  AGENTD_WEBHOOK_RETRY_MAX_MS: '3000',
};

function useReceiver(): WebhookReceiver {
  let r: WebhookReceiver | undefined;
  beforeAll(async () => {
    r = await startWebhookReceiver();
  });
  afterAll(async () => r?.close());
  return new Proxy({} as WebhookReceiver, {
    get: (_t, p) => {
      const v = Reflect.get(r!, p, r) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(r) : v;
    },
    set: (_t, p, v) => Reflect.set(r!, p, v),
  });
}

/** Verifies with the SDK (throws on a bad signature) and returns the event. */
const unwrap = (client: Anthropic, d: Delivery, key: string) => client.beta.webhooks.unwrap(d.body, { headers: d.headers, key });
const dataOf = (d: Delivery) => (JSON.parse(d.body) as { data: { type: string; id: string } }).data;

describe.each(dialects())('webhook delivery (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const receiver = useReceiver();
  const t = useServer(dialect, () => ({ model: fake, env: WEBHOOK_ENV }));

  it('retries a 500 with the same webhook-id across a restart, then stops once acknowledged', async () => {
    const endpoint = await t.client.beta.organization.webhooks.create({ url: receiver.url, enabled_events: events('environment.created') });
    receiver.respond = (body, seen) => (seen.some((d) => d.body === body) ? 200 : 500);
    const env = await createEnvironment(t.client);
    const isEnv = (d: Delivery) => dataOf(d).id === env.id;
    const [first] = await receiver.waitFor(1, isEnv);
    expect(first!.status).toBe(500);
    const event = unwrap(t.client, first!, endpoint.signing_secret);
    expect(event).toMatchObject({ type: 'event', data: { type: 'environment.created', id: env.id, workspace_id: expect.any(String), organization_id: expect.any(String) } });
    expect(event.created_at).toBe(env.created_at);
    // The failure is recorded before the server goes away; the retry is due 0.75-1.5 s later.
    const deadline = Date.now() + 5000;
    while ((await t.server.store.webhooks.deliveriesOf(event.id))[0]?.attempts !== 1) {
      if (Date.now() > deadline) throw new Error('the failed attempt was never recorded');
      await new Promise((r) => setTimeout(r, 10));
    }
    await t.restart();
    const [, retry] = await receiver.waitFor(2, isEnv);
    expect(retry!.status).toBe(200);
    expect(retry!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(retry!.headers['webhook-id']).toBe(event.id);
    expect(retry!.body).toBe(first!.body);
    expect(unwrap(t.client, retry!, endpoint.signing_secret)).toEqual(event);
    // A wrong key fails verification: unwrap really checks.
    expect(() => t.client.beta.webhooks.unwrap(retry!.body, { headers: retry!.headers, key: `whsec_${Buffer.alloc(32).toString('base64')}` })).toThrow();
    await new Promise((r) => setTimeout(r, 2000));
    expect(receiver.deliveries.filter(isEnv)).toHaveLength(2);
    await t.client.beta.organization.webhooks.delete(endpoint.id);
  });

  it('emits session status changes and deployment runs, each verified by unwrap', async () => {
    const endpoint = await t.client.beta.organization.webhooks.create({
      url: receiver.url,
      enabled_events: events('session.created', 'session.status_run_started', 'session.status_idled', 'deployment_run.started', 'deployment_run.succeeded', 'deployment.paused'),
    });
    receiver.respond = () => 204;
    const agent = await createAgent(t.client, { model: 'claude-opus-4-8' });
    const env = await createEnvironment(t.client);
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    fake.enqueue({ content: [{ type: 'text', text: 'Hello.' }] });
    await sendText(t.client, session.id, 'Hi');
    await waitSettled(t.client, session.id);
    const forSession = (d: Delivery) => dataOf(d).id === session.id;
    const got = await receiver.waitFor(3, forSession);
    expect(got.map((d) => unwrap(t.client, d, endpoint.signing_secret).data.type).sort()).toEqual([
      'session.created',
      'session.status_idled',
      'session.status_run_started',
    ]);

    const deployment = await t.client.beta.deployments.create({
      name: 'nightly',
      agent: agent.id,
      environment_id: env.id,
      initial_events: [userMessage('triage')],
    });
    fake.enqueue({ content: [{ type: 'text', text: 'Triaged.' }] });
    const run = await t.client.beta.deployments.run(deployment.id);
    await t.client.beta.deployments.pause(deployment.id);
    const runEvents = await receiver.waitFor(2, (d) => dataOf(d).id === run.id);
    expect(runEvents.map((d) => unwrap(t.client, d, endpoint.signing_secret).data.type).sort()).toEqual([
      'deployment_run.started',
      'deployment_run.succeeded',
    ]);
    const [paused] = await receiver.waitFor(1, (d) => dataOf(d).id === deployment.id);
    expect(unwrap(t.client, paused!, endpoint.signing_secret).data.type).toBe('deployment.paused');
    // The run's session is reported too (created by the deployment).
    await receiver.waitFor(1, (d) => dataOf(d).id === run.session_id && dataOf(d).type === 'session.created');
    await waitSettled(t.client, run.session_id!);
    await t.client.beta.organization.webhooks.delete(endpoint.id);
  });

  it('emits vault and credential changes', async () => {
    const endpoint = await t.client.beta.organization.webhooks.create({
      url: receiver.url,
      enabled_events: events('vault.created', 'vault.archived', 'vault_credential.archived'),
    });
    receiver.respond = () => 200;
    const vault = await t.client.beta.vaults.create({ display_name: 'ops' });
    await t.client.beta.vaults.archive(vault.id);
    const got = await receiver.waitFor(2, (d) => dataOf(d).id === vault.id);
    expect(got.map((d) => unwrap(t.client, d, endpoint.signing_secret).data.type).sort()).toEqual(['vault.archived', 'vault.created']);
    await t.client.beta.organization.webhooks.delete(endpoint.id);
  });

  it('delivers nothing to an endpoint once it is deleted, even what was still being retried', async () => {
    const endpoint = await t.client.beta.organization.webhooks.create({ url: receiver.url, enabled_events: events('agent.created') });
    receiver.respond = () => 503;
    const agent = await createAgent(t.client);
    const isAgent = (d: Delivery) => dataOf(d).id === agent.id;
    await receiver.waitFor(1, isAgent);
    await t.client.beta.organization.webhooks.delete(endpoint.id);
    const later = await createAgent(t.client);
    await new Promise((r) => setTimeout(r, 3500)); // past the retry that was due
    expect(receiver.deliveries.filter(isAgent)).toHaveLength(1);
    expect(receiver.deliveries.filter((d) => dataOf(d).id === later.id)).toHaveLength(0);
  });
});

describe.each(dialects())('an endpoint that keeps failing (%s)', (dialect) => {
  const receiver = useReceiver();
  const t = useServer(dialect, () => ({
    env: { ...WEBHOOK_ENV, AGENTD_WEBHOOK_RETRY_BASE_MS: '20', AGENTD_WEBHOOK_RETRY_MAX_MS: '40', AGENTD_WEBHOOK_DISABLE_AFTER: '3' },
  }));

  it('is disabled after the configured number of consecutive failures, and delivers nothing more', async () => {
    const endpoint = await t.client.beta.organization.webhooks.create({ url: receiver.url, enabled_events: events('environment.created') });
    receiver.respond = () => 500;
    await createEnvironment(t.client);
    await receiver.waitFor(3);
    const deadline = Date.now() + 5000;
    let state = await t.client.beta.organization.webhooks.retrieve(endpoint.id);
    while (state.state !== 'disabled' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
      state = await t.client.beta.organization.webhooks.retrieve(endpoint.id);
    }
    expect(state).toMatchObject({ state: 'disabled', disabled_reason: expect.stringContaining('3 consecutive failed deliveries') });
    const seen = receiver.deliveries.length;
    expect(seen).toBe(3);
    await createEnvironment(t.client);
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.deliveries.length).toBe(seen);

    // Re-enabled by a client: the reason clears and new events flow again.
    receiver.respond = () => 200;
    expect(await t.client.beta.organization.webhooks.update(endpoint.id, { state: 'enabled' })).toMatchObject({ state: 'enabled', disabled_reason: '' });
    const env = await createEnvironment(t.client);
    const [ok] = await receiver.waitFor(1, (d) => dataOf(d).id === env.id);
    expect(ok!.status).toBe(200);
  });
});

// `agentd webhooks create|list|delete` as a real process against a real server; the secret it
// prints verifies a real delivery with the SDK's unwrap.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEnvironment } from '../helpers/fixtures.js';
import { TEST_API_KEY } from '../helpers/server.js';
import { useServer } from '../helpers/use.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { runCli } from './run-cli.js';

describe('agentd webhooks', () => {
  const t = useServer('sqlite', { env: { AGENTD_WEBHOOK_PRIVATE_TARGETS: 'loopback', AGENTD_WEBHOOK_POLL_MS: '50' } });
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
  });
  afterAll(async () => receiver.close());
  const env = () => ({ AGENTD_URL: t.url, AGENTD_API_KEY: TEST_API_KEY });

  it('creates an endpoint (secret last on stdout), lists and deletes it', async () => {
    const created = await runCli(['webhooks', 'create', '--url', receiver.url, '--events', 'environment.created,session.created'], { env: env() });
    expect(created.code, created.stderr).toBe(0);
    const secret = created.stdout.trim().split('\n').at(-1)!;
    expect(secret).toMatch(/^whsec_/);
    expect(created.stderr).toContain('shown only this once');

    const listed = await runCli(['webhooks', 'list'], { env: env() });
    expect(listed.code, listed.stderr).toBe(0);
    const [line] = listed.stdout.trim().split('\n');
    const [id, state, url, types] = line!.split('\t');
    expect(id).toMatch(/^whep_/);
    expect([state, url, types]).toEqual(['enabled', receiver.url, 'environment.created,session.created']);
    expect(listed.stdout).not.toContain(secret);

    const environment = await createEnvironment(t.client);
    const [delivery] = await receiver.waitFor(1);
    expect(t.client.beta.webhooks.unwrap(delivery!.body, { headers: delivery!.headers, key: secret }).data).toMatchObject({
      type: 'environment.created',
      id: environment.id,
    });

    const deleted = await runCli(['webhooks', 'delete', id!], { env: env() });
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout.trim()).toBe(`deleted ${id}`);
    expect((await runCli(['webhooks', 'list'], { env: env() })).stdout).toBe('');
  });

  it('reports usage errors and server refusals', async () => {
    const noEvents = await runCli(['webhooks', 'create', '--url', receiver.url], { env: env() });
    expect(noEvents.code).toBe(2);
    expect(noEvents.stderr).toContain('--events is required');
    const refused = await runCli(['webhooks', 'create', '--url', 'http://10.0.0.1/x', '--events', 'session.created'], { env: env() });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('url: private addresses are not allowed');
    const missing = await runCli(['webhooks', 'delete', 'whep_missing'], { env: env() });
    expect(missing.code).toBe(1);
  });
});

// Contract: /v1/organizations/webhooks through the official SDK (which sends the webhooks beta).
import type Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { expectEnvelope, failure } from '../helpers/errors.js';
import { TEST_API_KEY } from '../helpers/server.js';
import { useServer } from '../helpers/use.js';

type Events = Anthropic.Beta.Organization.WebhookCreateParams['enabled_events'];
const events = (...types: string[]) => types as unknown as Events;

describe.each(dialects())('webhook endpoints (%s)', (dialect) => {
  const t = useServer(dialect, { env: { AGENTD_WEBHOOK_PRIVATE_TARGETS: 'loopback' } });
  const hooks = () => t.client.beta.organization.webhooks;

  it('creates (secret shown once), retrieves, updates, lists, regenerates and deletes', async () => {
    const created = await hooks().create({
      url: 'http://127.0.0.1:9/hooks',
      enabled_events: events('session.status_idled', 'deployment_run.failed'),
      name: 'ops',
    });
    expect(created).toMatchObject({
      url: 'http://127.0.0.1:9/hooks',
      enabled_events: ['session.status_idled', 'deployment_run.failed'],
      name: 'ops',
      description: '',
      state: 'enabled',
      disabled_reason: '',
    });
    expect(created.id).toMatch(/^whep_/);
    expect(created.signing_secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const { signing_secret, ...rest } = created;
    const fetched = await hooks().retrieve(created.id);
    expect(fetched).toEqual(rest);
    expect(JSON.stringify(fetched)).not.toContain(signing_secret);

    const updated = await hooks().update(created.id, { description: 'pager', enabled_events: events('session.status_terminated') });
    expect(updated).toMatchObject({ description: 'pager', enabled_events: ['session.status_terminated'], name: 'ops' });
    // An empty list leaves the set unchanged (documented).
    expect((await hooks().update(created.id, { enabled_events: events() })).enabled_events).toEqual(['session.status_terminated']);
    expect(await hooks().update(created.id, { state: 'disabled' })).toMatchObject({ state: 'disabled', disabled_reason: '' });

    const second = await hooks().create({ url: 'http://127.0.0.1:9/other', enabled_events: events('session.created') });
    const page = await hooks().list({ limit: 1 });
    expect(page.data.map((e) => e.id)).toEqual([second.id]); // newest first
    const all: string[] = [];
    for await (const e of hooks().list({ limit: 1 })) all.push(e.id);
    expect(all.slice(0, 2)).toEqual([second.id, created.id]);
    const asc: string[] = [];
    for await (const e of hooks().list({ order: 'asc' })) asc.push(e.id);
    expect(asc.indexOf(created.id)).toBeLessThan(asc.indexOf(second.id));

    const regenerated = await hooks().regenerateSigningSecret(created.id);
    expect(regenerated.signing_secret).toMatch(/^whsec_/);
    expect(regenerated.signing_secret).not.toBe(signing_secret);

    expect(await hooks().delete(created.id)).toEqual({ id: created.id, type: 'webhook_endpoint_deleted' });
    expectEnvelope(await failure(hooks().retrieve(created.id)), 404, 'not_found_error');
    expectEnvelope(await failure(hooks().delete(created.id)), 404, 'not_found_error');
  });

  it('refuses bad input with a 400 naming the field', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ url: 'ftp://127.0.0.1/x', enabled_events: ['session.created'] }, /^url: must be an http/],
      [{ url: 'not a url', enabled_events: ['session.created'] }, /^url: not a valid URL/],
      [{ url: 'http://10.1.2.3/x', enabled_events: ['session.created'] }, /^url: private addresses are not allowed/],
      [{ url: 'http://169.254.169.254/latest', enabled_events: ['session.created'] }, /^url: private addresses/],
      [{ url: 'http://127.0.0.1/x', enabled_events: [] }, /^enabled_events/],
      [{ url: 'http://127.0.0.1/x', enabled_events: ['session.nope'] }, /^enabled_events\[0\]: unknown event type/],
      [{ url: 'http://127.0.0.1/x', enabled_events: ['session.created', 'vault_credential.refresh_failed'] }, /^enabled_events\[1\]: "vault_credential.refresh_failed" is never emitted/],
      [{ url: 'http://127.0.0.1/x', enabled_events: ['session.created'], secret: 'x' }, /secret/],
    ];
    for (const [body, message] of cases) {
      const err = await failure(hooks().create(body as never));
      expectEnvelope(err, 400, 'invalid_request_error');
      expect(err.error.error.message, JSON.stringify(body)).toMatch(message);
    }
  });

  it('answers 404 without the webhooks beta header, as the hosted API documents', async () => {
    const res = await fetch(`${t.url}/v1/organizations/webhooks`, { headers: { 'x-api-key': TEST_API_KEY } });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { type: string; message: string } };
    expect(body.error.type).toBe('not_found_error');
    expect(body.error.message).toContain('webhooks-2026-10-07');
  });
});

describe.each(dialects())('webhook targets by default (%s)', (dialect) => {
  const t = useServer(dialect);
  it('accepts local receivers on loopback, refuses private and link-local addresses', async () => {
    for (const url of ['http://127.0.0.1:8080/x', 'http://[::1]/x', 'http://localhost/x']) {
      const hook = await t.client.beta.organization.webhooks.create({ url, enabled_events: events('session.created') });
      expect(hook.url).toBe(url);
    }
    // IPv6 spellings of IPv4 hosts lead where their IPv4 address does (the hex-mapped form was taken as public).
    for (const url of ['http://10.0.0.1/x', 'http://169.254.169.254/latest', 'http://[fd00::1]/x', 'http://[::ffff:a9fe:a9fe]/latest', 'http://[::ffff:10.0.0.1]/x', 'http://[64:ff9b::a9fe:a9fe]/x']) {
      const err = await failure(t.client.beta.organization.webhooks.create({ url, enabled_events: events('session.created') }));
      expectEnvelope(err, 400, 'invalid_request_error');
      expect(err.error.error.message).toMatch(/^url: private addresses are not allowed .*AGENTD_WEBHOOK_PRIVATE_TARGETS/);
    }
  });
});

describe.each(dialects())('webhook targets with AGENTD_WEBHOOK_PRIVATE_TARGETS=refuse (%s)', (dialect) => {
  const t = useServer(dialect, { env: { AGENTD_WEBHOOK_PRIVATE_TARGETS: 'refuse' } });
  it('refuses loopback URLs too', async () => {
    for (const url of ['http://127.0.0.1:8080/x', 'http://[::1]/x', 'http://localhost/x', 'http://[::ffff:127.0.0.1]:8080/x']) {
      const err = await failure(t.client.beta.organization.webhooks.create({ url, enabled_events: events('session.created') }));
      expectEnvelope(err, 400, 'invalid_request_error');
      expect(err.error.error.message).toMatch(/^url: loopback addresses are not allowed .*AGENTD_WEBHOOK_PRIVATE_TARGETS/);
    }
  });
});

// Contract: /v1/vaults and their credentials through the official SDK, on every dialect — shapes,
// limits, 409s, archive and delete — and a scan proving no secret value leaves the sealed store.
import fs from 'node:fs';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { expectEnvelope, failure } from '../helpers/errors.js';
import { TEST_API_KEY } from '../helpers/server.js';
import { secretsIn, storedTexts } from '../helpers/secret-scan.js';
import { useServer } from '../helpers/use.js';

async function all<T>(page: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of page) out.push(item);
  return out;
}

const future = () => new Date(Date.now() + 3_600_000).toISOString();
let n = 0;
/** A distinct, recognisable secret value per call. */
const secret = (what: string) => `SECRET-${what}-${++n}-${Math.random().toString(36).slice(2)}`;

describe.each(dialects())('vaults and credentials (%s)', (dialect) => {
  const logLines: string[] = [];
  const t = useServer(dialect, { logSink: (line) => logLines.push(line) });
  // Every response body the SDK receives, for the secret scan.
  const responses: string[] = [];
  let client: Anthropic;
  const sdk = () =>
    (client ??= new Anthropic({
      baseURL: t.url,
      apiKey: TEST_API_KEY,
      maxRetries: 0,
      fetch: async (url, init) => {
        const res = await fetch(url, init);
        responses.push(await res.clone().text());
        return res;
      },
    }));
  const vaults = () => sdk().beta.vaults;
  const creds = () => sdk().beta.vaults.credentials;
  const secrets: string[] = [];
  const keep = (s: string) => (secrets.push(s), s);
  const newVault = () => vaults().create({ display_name: `Vault ${++n}` });

  it('creates, retrieves, updates, lists, archives and deletes vaults', async () => {
    const v = await vaults().create({ display_name: 'Alice', metadata: { tenant: 'a' } });
    expect(v).toEqual({
      type: 'vault',
      id: expect.stringMatching(/^vlt_/),
      display_name: 'Alice',
      metadata: { tenant: 'a' },
      created_at: expect.any(String),
      updated_at: v.created_at,
      archived_at: null,
    });
    expect(await vaults().retrieve(v.id)).toEqual(v);
    const updated = await vaults().update(v.id, { display_name: 'Alice B', metadata: { tenant: null, team: 't' } });
    expect(updated).toMatchObject({ display_name: 'Alice B', metadata: { team: 't' } });
    expect(await vaults().update(v.id, { display_name: 'Alice B' })).toEqual(updated); // no change, no new updated_at

    const others = [await newVault(), await newVault()];
    const listed = (await all(vaults().list({ limit: 1 }))).map((x) => x.id);
    expect(listed).toEqual(expect.arrayContaining([v.id, ...others.map((o) => o.id)]));
    expect([...listed].sort().reverse()).toEqual(listed); // newest first, across pages

    const archived = await vaults().archive(v.id);
    expect(archived.archived_at).not.toBeNull();
    expect(await vaults().archive(v.id)).toEqual(archived);
    expect((await all(vaults().list())).map((x) => x.id)).not.toContain(v.id);
    expect((await all(vaults().list({ include_archived: true }))).map((x) => x.id)).toContain(v.id);
    expectEnvelope(await failure(vaults().update(v.id, { display_name: 'x' })), 409, 'invalid_request_error');
    const refused = await failure(
      creds().create(v.id, { auth: { type: 'static_bearer', token: 'x', mcp_server_url: 'https://a.example/mcp' } }),
    );
    expectEnvelope(refused, 409, 'invalid_request_error');

    expect(await vaults().delete(v.id)).toEqual({ id: v.id, type: 'vault_deleted' });
    expectEnvelope(await failure(vaults().retrieve(v.id)), 404, 'not_found_error');
    expectEnvelope(await failure(vaults().delete(v.id)), 404, 'not_found_error');
    expectEnvelope(await failure(creds().list(v.id)), 404, 'not_found_error');
  });

  it('validates vault fields with a 400 naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{}, 'display_name'],
      [{ display_name: '' }, 'display_name'],
      [{ display_name: 'x'.repeat(256) }, 'display_name'],
      [{ display_name: 'ok', metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }, 'metadata'],
      [{ display_name: 'ok', extra: 1 }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const err = await failure(vaults().create(body as never));
      expectEnvelope(err, 400, 'invalid_request_error');
      expect(err.error.error.message).toContain(field);
    }
  });

  it('creates each auth type and answers with its public part only', async () => {
    const v = await newVault();
    const expiresAt = future();
    const bearer = await creds().create(v.id, {
      display_name: 'Linear',
      metadata: { team: 'x' },
      auth: { type: 'static_bearer', token: keep(secret('bearer')), mcp_server_url: 'https://mcp.linear.app/mcp' },
    });
    expect(bearer).toEqual({
      type: 'vault_credential',
      id: expect.stringMatching(/^vcrd_/),
      vault_id: v.id,
      display_name: 'Linear',
      metadata: { team: 'x' },
      auth: { type: 'static_bearer', mcp_server_url: 'https://mcp.linear.app/mcp' },
      created_at: expect.any(String),
      updated_at: bearer.created_at,
      archived_at: null,
    });
    const oauth = await creds().create(v.id, {
      auth: {
        type: 'mcp_oauth',
        mcp_server_url: 'https://mcp.notion.com/mcp',
        access_token: keep(secret('access')),
        expires_at: expiresAt,
        refresh: {
          refresh_token: keep(secret('refresh')),
          client_id: 'client-1',
          token_endpoint: 'https://api.notion.com/v1/oauth/token',
          token_endpoint_auth: { type: 'client_secret_basic', client_secret: keep(secret('client')) },
          scope: 'read',
        },
      },
    });
    expect(oauth.display_name).toBeNull();
    expect(oauth.auth).toEqual({
      type: 'mcp_oauth',
      mcp_server_url: 'https://mcp.notion.com/mcp',
      expires_at: expiresAt,
      refresh: {
        client_id: 'client-1',
        token_endpoint: 'https://api.notion.com/v1/oauth/token',
        token_endpoint_auth: { type: 'client_secret_basic' },
        resource: null,
        scope: 'read',
      },
    });
    const env = await creds().create(v.id, {
      auth: {
        type: 'environment_variable',
        secret_name: 'TWILIO_API_KEY',
        secret_value: keep(secret('env')),
        networking: { type: 'limited', allowed_hosts: ['api.twilio.com', '*.twilio.com', '192.0.2.1'] },
      },
    });
    expect(env.auth).toEqual({
      type: 'environment_variable',
      secret_name: 'TWILIO_API_KEY',
      networking: { type: 'limited', allowed_hosts: ['api.twilio.com', '*.twilio.com', '192.0.2.1'] },
      injection_location: { header: true, body: false },
    });
    const post = await creds().create(v.id, {
      auth: {
        type: 'mcp_oauth',
        mcp_server_url: 'https://other.example/mcp',
        access_token: keep(secret('access2')),
        refresh: {
          refresh_token: keep(secret('refresh2')),
          client_id: 'c',
          token_endpoint: 'https://other.example/token',
          token_endpoint_auth: { type: 'none' },
          resource: 'https://other.example/mcp',
        },
      },
    });
    expect(post.auth).toMatchObject({ expires_at: null, refresh: { token_endpoint_auth: { type: 'none' }, resource: 'https://other.example/mcp' } });

    expect(await creds().retrieve(bearer.id, { vault_id: v.id })).toEqual(bearer);
    expect((await all(creds().list(v.id))).map((c) => c.id).sort()).toEqual([bearer.id, oauth.id, env.id, post.id].sort());
    // A credential is found only through its own vault.
    const other = await newVault();
    expectEnvelope(await failure(creds().retrieve(bearer.id, { vault_id: other.id })), 404, 'not_found_error');
  });

  it('keeps one active credential per key, and archiving frees it', async () => {
    const v = await newVault();
    const url = 'https://mcp.example.com/mcp';
    const first = await creds().create(v.id, { auth: { type: 'static_bearer', token: keep(secret('a')), mcp_server_url: url } });
    const dup = await failure(
      creds().create(v.id, { auth: { type: 'mcp_oauth', access_token: keep(secret('b')), mcp_server_url: url } }),
    );
    expectEnvelope(dup, 409, 'invalid_request_error');
    expect(dup.error.error.message).toContain('mcp_server_url');
    const envAuth = () => ({
      type: 'environment_variable' as const,
      secret_name: 'API_KEY',
      secret_value: keep(secret('e')),
      networking: { type: 'unrestricted' as const },
    });
    const envCred = await creds().create(v.id, { auth: envAuth() });
    expectEnvelope(await failure(creds().create(v.id, { auth: envAuth() })), 409, 'invalid_request_error');
    // The same URL in another vault is fine.
    await creds().create((await newVault()).id, { auth: { type: 'static_bearer', token: keep(secret('c')), mcp_server_url: url } });

    const archived = await creds().archive(first.id, { vault_id: v.id });
    expect(archived.archived_at).not.toBeNull();
    expect(await creds().archive(first.id, { vault_id: v.id })).toEqual(archived);
    const again = await creds().create(v.id, { auth: { type: 'static_bearer', token: keep(secret('d')), mcp_server_url: url } });
    expect((await all(creds().list(v.id))).map((c) => c.id).sort()).toEqual([envCred.id, again.id].sort());
    expect((await all(creds().list(v.id, { include_archived: true }))).map((c) => c.id)).toContain(first.id);
    expectEnvelope(
      await failure(creds().update(first.id, { vault_id: v.id, auth: { type: 'static_bearer', token: 'x' } })),
      409,
      'invalid_request_error',
    );

    expect(await creds().delete(again.id, { vault_id: v.id })).toEqual({ id: again.id, type: 'vault_credential_deleted' });
    expectEnvelope(await failure(creds().retrieve(again.id, { vault_id: v.id })), 404, 'not_found_error');
    expectEnvelope(await failure(creds().delete(again.id, { vault_id: v.id })), 404, 'not_found_error');
  });

  it('holds at most 20 active credentials per vault', async () => {
    const v = await newVault();
    for (let i = 0; i < 20; i++) {
      await creds().create(v.id, { auth: { type: 'static_bearer', token: keep(secret('m')), mcp_server_url: `https://s${i}.example/mcp` } });
    }
    const err = await failure(
      creds().create(v.id, { auth: { type: 'static_bearer', token: 'x', mcp_server_url: 'https://s21.example/mcp' } }),
    );
    expectEnvelope(err, 400, 'invalid_request_error');
    expect(err.error.error.message).toContain('20');
  });

  it('updates credentials: rotation, metadata, immutable type and keys', async () => {
    const v = await newVault();
    const c = await creds().create(v.id, {
      display_name: 'Notion',
      auth: {
        type: 'mcp_oauth',
        mcp_server_url: 'https://mcp.notion.com/mcp',
        access_token: keep(secret('acc')),
        expires_at: future(),
        refresh: {
          refresh_token: keep(secret('ref')),
          client_id: 'id',
          token_endpoint: 'https://api.notion.com/token',
          token_endpoint_auth: { type: 'client_secret_post', client_secret: keep(secret('cs')) },
          scope: 'read',
        },
      },
    });
    const newExpiry = future();
    const u = await creds().update(c.id, {
      vault_id: v.id,
      display_name: 'Notion 2',
      metadata: { k: 'v' },
      auth: {
        type: 'mcp_oauth',
        access_token: keep(secret('acc2')),
        expires_at: newExpiry,
        refresh: {
          refresh_token: keep(secret('ref2')),
          scope: '',
          token_endpoint_auth: { type: 'client_secret_basic', client_secret: keep(secret('cs2')) },
        },
      },
    });
    expect(u).toMatchObject({ display_name: 'Notion 2', metadata: { k: 'v' } });
    expect(u.auth).toMatchObject({
      expires_at: newExpiry,
      // Sending a secret with the other client-auth type keeps the credential's type.
      refresh: { token_endpoint_auth: { type: 'client_secret_post' }, scope: null, client_id: 'id' },
    });
    expect(u.updated_at >= c.updated_at).toBe(true);

    const cases: Array<[Record<string, unknown>, number, string]> = [
      [{ auth: { type: 'static_bearer', token: 'x' } }, 400, 'auth.type'],
      [{ auth: { type: 'mcp_oauth', mcp_server_url: 'https://else.example/mcp' } }, 400, 'mcp_server_url'],
      [{ auth: { type: 'mcp_oauth', expires_at: '2000-01-01T00:00:00Z' } }, 400, 'expires_at'],
      [{ display_name: '' }, 400, 'display_name'],
    ];
    for (const [body, status, field] of cases) {
      const err = await failure(creds().update(c.id, { vault_id: v.id, ...body } as never));
      expectEnvelope(err, status, 'invalid_request_error');
      expect(err.error.error.message).toContain(field);
    }
    const env = await creds().create(v.id, {
      auth: { type: 'environment_variable', secret_name: 'K', secret_value: keep(secret('k')), networking: { type: 'unrestricted' } },
    });
    const envU = await creds().update(env.id, {
      vault_id: v.id,
      auth: {
        type: 'environment_variable',
        secret_value: keep(secret('k2')),
        injection_location: { body: true },
        networking: { type: 'limited', allowed_hosts: ['api.example.com'] },
      },
    });
    expect(envU.auth).toEqual({
      type: 'environment_variable',
      secret_name: 'K',
      networking: { type: 'limited', allowed_hosts: ['api.example.com'] },
      injection_location: { header: true, body: true },
    });
    const off = await failure(
      creds().update(env.id, { vault_id: v.id, auth: { type: 'environment_variable', injection_location: { header: false, body: false } } }),
    );
    expectEnvelope(off, 400, 'invalid_request_error');
    expect(off.error.error.message).toContain('injection_location');
    const none = await creds().create(v.id, {
      auth: {
        type: 'mcp_oauth',
        mcp_server_url: 'https://n.example/mcp',
        access_token: keep(secret('n')),
        refresh: { refresh_token: keep(secret('nr')), client_id: 'c', token_endpoint: 'https://n.example/t', token_endpoint_auth: { type: 'none' } },
      },
    });
    const addSecret = await failure(
      creds().update(none.id, {
        vault_id: v.id,
        auth: { type: 'mcp_oauth', refresh: { token_endpoint_auth: { type: 'client_secret_post', client_secret: 'x' } } },
      }),
    );
    expectEnvelope(addSecret, 400, 'invalid_request_error');
    expect(addSecret.error.error.message).toContain('token_endpoint_auth');
  });

  it('validates credential fields with a 400 naming the field, and stores nothing', async () => {
    const v = await newVault();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ type: 'static_bearer', token: '', mcp_server_url: 'https://a.example/mcp' }, 'auth.token'],
      [{ type: 'static_bearer', token: 'x', mcp_server_url: 'not a url' }, 'auth.mcp_server_url'],
      [{ type: 'static_bearer', token: 'x', mcp_server_url: 'ftp://a.example/mcp' }, 'auth.mcp_server_url'],
      [{ type: 'mcp_oauth', access_token: 'x', mcp_server_url: 'https://a.example/mcp', expires_at: '2001-01-01T00:00:00Z' }, 'auth.expires_at'],
      [{ type: 'mcp_oauth', access_token: 'x', mcp_server_url: 'https://a.example/mcp', expires_at: 'tomorrow' }, 'auth.expires_at'],
      [
        { type: 'mcp_oauth', access_token: 'x', mcp_server_url: 'https://a.example/mcp', refresh: { refresh_token: 'r', client_id: 'c', token_endpoint: 'https://a.example/t', token_endpoint_auth: { type: 'client_secret_basic' } } },
        'auth.refresh.token_endpoint_auth.client_secret',
      ],
      [{ type: 'environment_variable', secret_name: '1BAD', secret_value: 'v', networking: { type: 'unrestricted' } }, 'auth.secret_name'],
      [{ type: 'environment_variable', secret_name: 'OK', secret_value: 'v', networking: { type: 'limited', allowed_hosts: ['https://api.example.com'] } }, 'auth.networking.allowed_hosts[0]'],
      [{ type: 'environment_variable', secret_name: 'OK', secret_value: 'v', networking: { type: 'limited', allowed_hosts: ['api.example.com:443'] } }, 'auth.networking.allowed_hosts[0]'],
      [{ type: 'environment_variable', secret_name: 'OK', secret_value: 'v', networking: { type: 'limited', allowed_hosts: ['::1'] } }, 'auth.networking.allowed_hosts[0]'],
      [{ type: 'environment_variable', secret_name: 'OK', secret_value: 'v', networking: { type: 'limited', allowed_hosts: Array.from({ length: 17 }, (_, i) => `h${i}.example`) } }, 'auth.networking.allowed_hosts'],
      [{ type: 'environment_variable', secret_name: 'OK', secret_value: 'v', networking: { type: 'unrestricted' }, injection_location: { header: false } }, 'auth.injection_location'],
      [{ type: 'basic_auth', token: 'x' }, 'auth.type'],
    ];
    for (const [auth, field] of cases) {
      const err = await failure(creds().create(v.id, { auth } as never));
      expectEnvelope(err, 400, 'invalid_request_error');
      expect(err.error.error.message, JSON.stringify(auth)).toContain(field);
    }
    expect(await all(creds().list(v.id, { include_archived: true }))).toEqual([]);
    expectEnvelope(
      await failure(creds().create('vlt_missing', { auth: { type: 'static_bearer', token: 'x', mcp_server_url: 'https://a.example' } })),
      404,
      'not_found_error',
    );
  });

  it('never lets a secret out: responses, server log and stored data hold none, only sealed values', async () => {
    expect(secrets.length).toBeGreaterThan(20);
    expect(responses.length).toBeGreaterThan(50);
    expect(logLines.length).toBeGreaterThan(0);
    expect(secretsIn([['responses', responses.join('\n')], ['log', logLines.join('\n')]], secrets)).toEqual([]);
    const stored = await storedTexts(t);
    expect(secretsIn(stored, secrets)).toEqual([]);
    // Not vacuous: the stored data does hold the sealed values.
    expect([...stored.values()].some((text) => text.includes('agentd-sealed:v1:'))).toBe(true);
    if (!t.databaseUrl) {
      // The generated key file is private to the server's user.
      const mode = fs.statSync(path.join(t.dataDir, 'secret.key')).mode & 0o777;
      expect(mode).toBe(0o600);
    }
  });
});

// Contract: /v1/environments driven through the official SDK, on every dialect.
import type { BetaEnvironment } from '@anthropic-ai/sdk/resources/beta/environments/environments.js';
import { describe, expect, it } from 'vitest';
import { useServer } from '../helpers/use.js';
import { dialects } from '../helpers/databases.js';
import { expectEnvelope, failure } from '../helpers/errors.js';

const EMPTY_PACKAGES = { type: 'packages', apt: [], cargo: [], gem: [], go: [], npm: [], pip: [] };

describe.each(dialects())('environments (%s)', (dialect) => {
  const t = useServer(dialect);

  const envs = () => t.client.beta.environments;
  let seq = 0;
  const uniqueName = (base: string) => `${base}-${++seq}`;

  it('creates with documented defaults and retrieves the same object', async () => {
    const env = await envs().create({ name: uniqueName('defaults') });
    expect(env).toMatchObject({
      type: 'environment',
      description: null,
      metadata: {},
      scope: 'organization',
      archived_at: null,
      config: { type: 'cloud', networking: { type: 'unrestricted' }, packages: EMPTY_PACKAGES },
    });
    expect(env.id).toMatch(/^env_/);
    expect(env.updated_at).toBe(env.created_at);
    expect(Date.parse(env.created_at)).not.toBeNaN();
    expect(await envs().retrieve(env.id)).toEqual(env);
  });

  it('normalises a limited network and (empty) packages to the full response shape', async () => {
    const env = await envs().create({
      name: uniqueName('limited'),
      description: 'data work',
      metadata: { team: 'data' },
      config: {
        type: 'cloud',
        networking: { type: 'limited', allowed_hosts: ['api.example.com', '*.example.org'], allow_package_managers: true },
        packages: { pip: [], npm: null },
      },
    });
    expect(env.config).toEqual({
      type: 'cloud',
      networking: {
        type: 'limited',
        allowed_hosts: ['api.example.com', '*.example.org'],
        allow_package_managers: true,
        allow_mcp_servers: false,
      },
      packages: EMPTY_PACKAGES,
    });
    expect(env).toMatchObject({ description: 'data work', metadata: { team: 'data' } });
    expect(await envs().retrieve(env.id)).toEqual(env);

    const bare = await envs().create({ name: uniqueName('limited-bare'), config: { type: 'cloud', networking: { type: 'limited' } } });
    expect(bare.config).toEqual({
      type: 'cloud',
      networking: { type: 'limited', allowed_hosts: [], allow_package_managers: false, allow_mcp_servers: false },
      packages: EMPTY_PACKAGES,
    });
  });

  it('creates a bare self_hosted environment', async () => {
    const env = await envs().create({ name: uniqueName('self'), config: { type: 'self_hosted' }, scope: 'account' });
    expect(env.config).toEqual({ type: 'self_hosted' });
    expect(env.scope).toBe('account');
  });

  it('rejects bad input with a 400 naming the field, and stores nothing', async () => {
    const name = uniqueName('bad');
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: '' }, 'name'],
      [{ name: 'x'.repeat(257) }, 'name'],
      [{ name, description: 'd'.repeat(2049) }, 'description'],
      [{ name, config: { type: 'cloud', networking: { type: 'bogus' } } }, 'config.networking.type'],
      [{ name, config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['https://example.com/x'] } } }, 'config.networking.allowed_hosts[0]'],
      [{ name, config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['example.com:8080'] } } }, 'config.networking.allowed_hosts[0]'],
      [{ name, config: { type: 'cloud', networking: { type: 'unrestricted', allowed_hosts: [] } } }, 'config.networking'],
      [{ name, config: { type: 'self_hosted', networking: { type: 'unrestricted' } } }, 'config'],
      // Self-hosted workers' machines are the operator's to provision: no packages there.
      [{ name, config: { type: 'self_hosted', packages: { pip: ['requests'] } } }, 'config'],
      [{ name, config: { type: 'docker' } }, 'config.type'],
      [{ name, config: { type: 'cloud', packages: { pip: [''] } } }, 'config.packages.pip[0]'],
      [
        { name, config: { type: 'cloud', networking: { type: 'limited' }, packages: { apt: ['git'] } } },
        'config.networking.allow_package_managers',
      ],
      // Handed to the package managers' command lines: options and shell syntax are refused.
      [{ name, config: { type: 'cloud', packages: { pip: ['pandas', '--index-url=http://elsewhere.test/'] } } }, 'config.packages.pip[1]'],
      [{ name, config: { type: 'cloud', packages: { apt: ['git; rm -rf /'], npm: ['typescript'] } } }, 'config.packages.apt[0]'],
      [{ name, config: { type: 'cloud', packages: { npm: ['$(id)'] } } }, 'config.packages.npm[0]'],
      [{ name, scope: 'galaxy' }, 'scope'],
      [{ name, colour: 'blue' }, 'colour'],
    ];
    for (const [body, field] of cases) {
      const err = await failure(envs().create(body as never));
      expectEnvelope(err, 400, 'invalid_request_error');
      const escaped = field.replace(/[.[\]]/g, '\\$&');
      // A field is named as the message's path prefix, or quoted when it is an unknown key.
      expect(err.error.error.message, JSON.stringify(body)).toMatch(new RegExp(`^${escaped}:|"${escaped}"`));
    }
    const metadata = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
    const err = await failure(envs().create({ name, metadata }));
    expectEnvelope(err, 400, 'invalid_request_error');
    expect(err.errorCode).toBe('invalid_metadata');

    const all = [];
    for await (const e of envs().list({ include_archived: true })) all.push(e.name);
    expect(all).not.toContain(name);
  });

  it('stores package sets with version pins as given', async () => {
    const packages = {
      apt: ['jq', 'ripgrep=13.0.0-4'],
      cargo: ['bat@0.24.0'],
      gem: ['rake:13.1.0'],
      go: ['golang.org/x/tools/cmd/stringer@latest'],
      npm: ['@scope/pkg@1.2.3', 'left-pad'],
      pip: ['requests==2.31.0', 'pydantic[email]>=2,<3'],
    };
    const env = await envs().create({
      name: uniqueName('pkgs'),
      config: { type: 'cloud', networking: { type: 'limited', allow_package_managers: true }, packages },
    });
    expect(env.config).toMatchObject({ type: 'cloud', packages: { type: 'packages', ...packages } });
    expect(await envs().retrieve(env.id)).toEqual(env);
  });

  it('updates fields, patches metadata, replaces the config, and keeps created_at', async () => {
    const env = await envs().create({
      name: uniqueName('upd'),
      description: 'before',
      metadata: { keep: '1', drop: '2', blank: '3' },
      config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['a.example.com'] } },
    });
    await new Promise((r) => setTimeout(r, 5)); // so updated_at can differ from created_at
    const newName = uniqueName('upd-renamed');
    const updated = await envs().update(env.id, {
      name: newName,
      description: null,
      metadata: { drop: null, blank: '', added: 'yes' },
      config: { type: 'cloud', packages: { npm: [] } },
    });
    expect(updated).toMatchObject({
      id: env.id,
      name: newName,
      description: null,
      metadata: { keep: '1', added: 'yes' },
      config: { type: 'cloud', networking: { type: 'unrestricted' }, packages: EMPTY_PACKAGES },
      created_at: env.created_at,
    });
    expect(Object.keys(updated.metadata).sort()).toEqual(['added', 'keep']);
    expect(updated.updated_at > env.updated_at).toBe(true);
    expect(await envs().retrieve(env.id)).toEqual(updated);

    // Omitted fields are preserved.
    const same = await envs().update(env.id, {});
    expect(same).toEqual(updated);
  });

  it('returns 409 for a duplicate name on create and on rename, changing nothing', async () => {
    const name = uniqueName('taken');
    const first = await envs().create({ name });
    const dup = await failure(envs().create({ name, description: 'second' }));
    expectEnvelope(dup, 409, 'invalid_request_error');
    expect(dup.error.error.message).toContain(name);

    const other = await envs().create({ name: uniqueName('other') });
    const rename = await failure(envs().update(other.id, { name, description: 'changed' }));
    expectEnvelope(rename, 409, 'invalid_request_error');
    expect(await envs().retrieve(other.id)).toEqual(other);
    expect(await envs().retrieve(first.id)).toEqual(first);

    const named = [];
    for await (const e of envs().list({ include_archived: true })) if (e.name === name) named.push(e.id);
    expect(named).toEqual([first.id]);

    // Renaming to its own name is not a conflict.
    expect((await envs().update(first.id, { name })).name).toBe(name);
  });

  it('lets exactly one of several concurrent creates with the same name win', async () => {
    const name = uniqueName('race');
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => envs().create({ name })));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    for (const r of lost) expect(r.reason.status).toBe(409);
  });

  it('refuses to change the config type with invalid_config_type_change', async () => {
    const cloud = await envs().create({ name: uniqueName('cloud') });
    const err = await failure(envs().update(cloud.id, { config: { type: 'self_hosted' } }));
    expectEnvelope(err, 400, 'invalid_request_error');
    expect(err.errorCode).toBe('invalid_config_type_change');
    expect(err.error.error.message).toMatch(/^config\.type\b/);
    expect(await envs().retrieve(cloud.id)).toEqual(cloud);

    const self = await envs().create({ name: uniqueName('self'), config: { type: 'self_hosted' } });
    const back = await failure(envs().update(self.id, { config: { type: 'cloud' } }));
    expect(back.status).toBe(400);
    expect(back.errorCode).toBe('invalid_config_type_change');
  });

  it('archives idempotently; an archived environment is read-only and hidden from default lists', async () => {
    const env = await envs().create({ name: uniqueName('arch') });
    const archived = await envs().archive(env.id);
    expect(archived.archived_at).not.toBeNull();
    expect(archived).toMatchObject({ id: env.id, name: env.name, config: env.config });
    expect(await envs().archive(env.id)).toEqual(archived);
    expect(await envs().retrieve(env.id)).toEqual(archived);

    // The SDK types this as BetaEnvironmentArchivedError: 400 with error_code environment_archived.
    const err = await failure(envs().update(env.id, { description: 'nope' }));
    expectEnvelope(err, 400, 'invalid_request_error');
    expect(err.errorCode).toBe('environment_archived');
    expect(await envs().retrieve(env.id)).toEqual(archived);

    const visible = [];
    for await (const e of envs().list()) visible.push(e.id);
    expect(visible).not.toContain(env.id);
    const all = [];
    for await (const e of envs().list({ include_archived: true })) all.push(e.id);
    expect(all).toContain(env.id);
  });

  it('deletes with 204 and an empty body, then 404s', async () => {
    const env = await envs().create({ name: uniqueName('del') });
    const { data, response } = await envs().delete(env.id).withResponse();
    expect(response.status).toBe(204);
    expect(data).toBeNull();
    const err = await failure(envs().retrieve(env.id));
    expectEnvelope(err, 404, 'not_found_error');
    expect(err.errorCode).toBe('environment_not_found');
  });

  it('refuses to delete an environment that active sessions still use', async () => {
    const env = await envs().create({ name: uniqueName('busy') });
    const agent = await t.client.beta.agents.create({ name: 'A', model: 'claude-sonnet-4-6' });
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    const stored = await envs().retrieve(env.id);

    const err = await failure(envs().delete(env.id));
    expectEnvelope(err, 409, 'invalid_request_error');
    expect(err.error.error.message).toMatch(/session/);
    expect(await envs().retrieve(env.id)).toEqual(stored);

    // Archived sessions no longer hold the environment.
    await t.client.beta.sessions.archive(session.id);
    const { response } = await envs().delete(env.id).withResponse();
    expect(response.status).toBe(204);
  });

  it('returns 404 with environment_not_found for unknown ids on every route', async () => {
    const id = 'env_doesnotexist';
    for (const call of [
      () => envs().retrieve(id),
      () => envs().update(id, { description: 'x' }),
      () => envs().delete(id),
      () => envs().archive(id),
    ]) {
      const err = await failure(call());
      expectEnvelope(err, 404, 'not_found_error');
      expect(err.errorCode).toBe('environment_not_found');
    }
  });
});

describe.each(dialects())('environment listing (%s)', (dialect) => {
  const t = useServer(dialect);

  it('pages newest first, via auto-pagination and via next_page', async () => {
    const created: BetaEnvironment[] = [];
    for (let i = 0; i < 7; i++) created.push(await t.client.beta.environments.create({ name: `page-${i}` }));
    const newestFirst = created.map((e) => e.id).reverse();

    const auto = [];
    for await (const e of t.client.beta.environments.list({ limit: 3 })) auto.push(e.id);
    expect(auto).toEqual(newestFirst);

    const manual: string[] = [];
    const sizes: number[] = [];
    let page: string | null | undefined;
    do {
      const res = await t.client.beta.environments.list({ limit: 3, ...(page ? { page } : {}) });
      manual.push(...res.data.map((e) => e.id));
      sizes.push(res.data.length);
      page = res.next_page;
    } while (page);
    expect(sizes).toEqual([3, 3, 1]);
    expect(manual).toEqual(newestFirst);

    const first = await t.client.beta.environments.list({ limit: 3 });
    expect(first.data.map((e) => e.id)).toEqual(newestFirst.slice(0, 3));
    expect(first.hasNextPage()).toBe(true);
  });

  it('rejects a bad limit or cursor with a 400 naming it', async () => {
    const limit = await failure(t.client.beta.environments.list({ limit: 0 }));
    expectEnvelope(limit, 400, 'invalid_request_error');
    expect(limit.error.error.message).toMatch(/^limit\b/);
    const page = await failure(t.client.beta.environments.list({ page: 'not-a-cursor' }));
    expectEnvelope(page, 400, 'invalid_request_error');
    expect(page.error.error.message).toMatch(/^page\b/);
  });
});

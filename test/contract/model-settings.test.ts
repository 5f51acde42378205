// The agent model's settings through the official SDK: effort resolved to the model's default at save
// time, kept by an update that omits it; what a model or the configured provider cannot honour is a 400
// naming the field (agent create, update, and a session's model override).
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { expectEnvelope, failure } from '../helpers/errors.js';
import { createEnvironment } from '../helpers/fixtures.js';
import { useServer } from '../helpers/use.js';

async function refused(p: Promise<unknown>, field: string): Promise<string> {
  const err = await failure(p);
  expectEnvelope(err, 400, 'invalid_request_error');
  expect(err.error.error.message).toMatch(new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}: `));
  return err.error.error.message as string;
}

describe.each(dialects())('model settings (%s)', (dialect) => {
  const t = useServer(dialect);

  it('stores effort (bare or object), speed and inference_geo; omitted effort resolves to the model default', async () => {
    const a = await t.client.beta.agents.create({
      name: 'Tuned',
      model: { id: 'claude-opus-4-7', effort: 'xhigh', speed: 'fast', inference_geo: 'us' },
    });
    expect(a.model).toEqual({ id: 'claude-opus-4-7', effort: { type: 'xhigh' }, speed: 'fast', inference_geo: 'us' });
    const b = await t.client.beta.agents.create({ name: 'Obj', model: { id: 'claude-sonnet-4-6', effort: { type: 'low' } } });
    expect(b.model).toEqual({ id: 'claude-sonnet-4-6', effort: { type: 'low' }, speed: 'standard' });
    // Haiku 4.5 takes no effort: none is stored.
    const c = await t.client.beta.agents.create({ name: 'Small', model: 'claude-haiku-4-5' });
    expect(c.model).toEqual({ id: 'claude-haiku-4-5', speed: 'standard' });
  });

  it('an update that omits effort keeps it; model is otherwise whole-object (inference_geo cleared)', async () => {
    const a = await t.client.beta.agents.create({ name: 'U', model: { id: 'claude-opus-4-8', effort: 'low', inference_geo: 'us' } });
    const u = await t.client.beta.agents.update(a.id, { version: a.version, model: { id: 'claude-opus-4-8', speed: 'fast' } });
    expect(u.model).toEqual({ id: 'claude-opus-4-8', effort: { type: 'low' }, speed: 'fast' });
    // A model that takes no effort drops it; back on one that does, it resolves to the default.
    const h = await t.client.beta.agents.update(a.id, { version: u.version, model: 'claude-haiku-4-5' });
    expect(h.model).toEqual({ id: 'claude-haiku-4-5', speed: 'standard' });
    const back = await t.client.beta.agents.update(a.id, { version: h.version, model: { id: 'claude-sonnet-4-6', effort: null } });
    expect(back.model).toEqual({ id: 'claude-sonnet-4-6', effort: { type: 'high' }, speed: 'standard' });
  });

  it('refuses what the model cannot honour, naming the field, and changes nothing', async () => {
    const before = (await t.client.beta.agents.list()).data.length;
    expect(await refused(t.client.beta.agents.create({ name: 'x', model: { id: 'claude-haiku-4-5', effort: 'low' } }), 'model.effort')).toMatch(/does not support effort/);
    expect(await refused(t.client.beta.agents.create({ name: 'x', model: { id: 'claude-sonnet-4-6', effort: 'xhigh' } }), 'model.effort')).toMatch(/"xhigh"/);
    expect(await refused(t.client.beta.agents.create({ name: 'x', model: { id: 'claude-sonnet-4-6', speed: 'fast' } }), 'model.speed')).toMatch(/fast/);
    expect(await refused(t.client.beta.agents.create({ name: 'x', model: { id: 'claude-opus-4-8', inference_geo: 'eu' } }), 'model.inference_geo')).toMatch(/"global", "us"/);
    expect(await refused(t.client.beta.agents.create({ name: 'x', model: { id: 'claude-haiku-4-5', inference_geo: 'us' } }), 'model.inference_geo')).toMatch(/does not support/);
    expect((await t.client.beta.agents.list()).data.length).toBe(before);

    const a = await t.client.beta.agents.create({ name: 'Fine', model: 'claude-sonnet-4-6' });
    await refused(t.client.beta.agents.update(a.id, { version: a.version, model: { id: 'claude-sonnet-4-6', speed: 'fast' } }), 'model.speed');
    expect((await t.client.beta.agents.retrieve(a.id)).version).toBe(a.version);

    const env = await createEnvironment(t.client);
    await refused(
      t.client.beta.sessions.create({
        environment_id: env.id,
        agent: { type: 'agent_with_overrides', id: a.id, model: { id: 'claude-haiku-4-5', effort: 'max' } } as never,
      }),
      'agent.model.effort',
    );
  });
});

describe.each(dialects())('web_search filters (%s)', (dialect) => {
  const t = useServer(dialect);

  it('stores the filters the server tool takes; refuses combinations the SDK documents as invalid, naming the field', async () => {
    const a = await t.client.beta.agents.create({
      name: 'searching',
      model: 'claude-sonnet-4-6',
      tools: [{ type: 'agent_toolset_20260401', configs: [{ name: 'web_search', allowed_domains: ['docs.example.com/api'], user_location: { type: 'approximate', city: 'Oslo' } }] }],
    });
    expect(a.tools[0]).toMatchObject({ configs: [{ name: 'web_search', allowed_domains: ['docs.example.com/api'], user_location: { type: 'approximate', city: 'Oslo' } }] });
    for (const [config, field] of [
      [{ name: 'web_search', allowed_domains: ['a.example'], blocked_domains: ['b.example'] }, 'allowed_domains'],
      [{ name: 'web_search', blocked_domains: [] }, 'blocked_domains'],
      [{ name: 'web_search', allowed_domains: ['https://a.example'] }, 'allowed_domains[0]'],
    ] as const) {
      await refused(
        t.client.beta.agents.create({ name: 'x', model: 'claude-sonnet-4-6', tools: [{ type: 'agent_toolset_20260401', configs: [config as never] }] }),
        `tools[0].configs[0].${field}`,
      );
    }
  });

  it('refuses web_search under a policy that asks: the server tool runs inside the model call', async () => {
    const msg = await refused(
      t.client.beta.agents.create({
        name: 'x',
        model: 'claude-sonnet-4-6',
        tools: [{ type: 'agent_toolset_20260401', default_config: { permission_policy: { type: 'always_ask' } } }],
      }),
      'tools[0].default_config.permission_policy',
    );
    expect(msg).toMatch(/anthropic provider's server tool/);
    // Allowed explicitly (or disabled), the rest of the toolset may ask.
    const ok = await t.client.beta.agents.create({
      name: 'ok',
      model: 'claude-sonnet-4-6',
      tools: [
        {
          type: 'agent_toolset_20260401',
          default_config: { permission_policy: { type: 'always_ask' } },
          configs: [{ name: 'web_search', permission_policy: { type: 'always_allow' } }],
        },
      ],
    });
    expect(ok.tools[0]).toMatchObject({ configs: [{ name: 'web_search', permission_policy: { type: 'always_allow' } }] });
  });
});

describe.each(dialects())('model settings on a provider without fast mode or inference geo (%s)', (dialect) => {
  const t = useServer(dialect, { env: { AGENTD_MODEL_PROVIDER: 'bedrock', AWS_REGION: 'us-east-1' } });

  it('refuses speed "fast" and inference_geo naming the provider; effort is accepted', async () => {
    expect(await refused(t.client.beta.agents.create({ name: 'x', model: { id: 'claude-opus-4-8', speed: 'fast' } }), 'model.speed')).toMatch(/bedrock/);
    expect(await refused(t.client.beta.agents.create({ name: 'x', model: { id: 'claude-opus-4-8', inference_geo: 'us' } }), 'model.inference_geo')).toMatch(/bedrock/);
    const ok = await t.client.beta.agents.create({ name: 'ok', model: { id: 'claude-opus-4-8', effort: 'medium' } });
    expect(ok.model).toEqual({ id: 'claude-opus-4-8', effort: { type: 'medium' }, speed: 'standard' });
  });

  it('refuses web_search naming the provider (create, update, session override); web_fetch alone is fine', async () => {
    const full = [{ type: 'agent_toolset_20260401' as const }];
    expect(await refused(t.client.beta.agents.create({ name: 'x', model: 'claude-sonnet-4-6', tools: full }), 'tools[0].default_config')).toMatch(
      /web_search is enabled, but the bedrock model provider does not offer the web search server tool/,
    );
    const noSearch = [{ type: 'agent_toolset_20260401' as const, configs: [{ name: 'web_search' as const, enabled: false }] }];
    const a = await t.client.beta.agents.create({ name: 'fetching', model: 'claude-sonnet-4-6', tools: noSearch });
    expect(await refused(t.client.beta.agents.update(a.id, { version: a.version, tools: full }), 'tools[0].default_config')).toMatch(/bedrock/);
    expect((await t.client.beta.agents.retrieve(a.id)).version).toBe(a.version);
    const env = await createEnvironment(t.client);
    expect(
      await refused(
        t.client.beta.sessions.create({ environment_id: env.id, agent: { type: 'agent_with_overrides', id: a.id, tools: full } as never }),
        'agent.tools[0].default_config',
      ),
    ).toMatch(/bedrock/);
    expect(
      await refused(
        t.client.beta.agents.create({
          name: 'x',
          model: 'claude-sonnet-4-6',
          tools: [{ type: 'agent_toolset_20260401', default_config: { enabled: false }, configs: [{ name: 'web_search', enabled: true }] }],
        }),
        'tools[0].configs[0]',
      ),
    ).toMatch(/bedrock/);
  });
});

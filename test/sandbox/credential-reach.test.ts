// session.error credential_host_unreachable_error through the official SDK: an environment_variable
// credential names a host the environment's limited networking does not allow, so the egress
// proxy will never send its secret there. The first sandbox tool of the session reports it, once
// per credential; the tools themselves run as usual. A real bubblewrap sandbox; no traffic leaves.
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { bash, runTools } from '../helpers/sandbox.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';

describe.each(dialects())('credential hosts the environment cannot reach (%s)', { timeout: 180_000 }, (dialect) => {
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake }));

  it('reports each such credential once, naming it, its vault and the host; the session goes on', async () => {
    const vault = await t.client.beta.vaults.create({ display_name: 'api' });
    const credential = await t.client.beta.vaults.credentials.create(vault.id, {
      auth: {
        type: 'environment_variable',
        secret_name: 'API_TOKEN',
        secret_value: `sk-reach-${Math.random().toString(36).slice(2)}`,
        networking: { type: 'limited', allowed_hosts: ['api.allowed.example', 'api.elsewhere.example'] },
        injection_location: { header: true, body: false },
      },
    });
    // Reachable: not reported.
    await t.client.beta.vaults.credentials.create(vault.id, {
      auth: {
        type: 'environment_variable',
        secret_name: 'OTHER_TOKEN',
        secret_value: `sk-ok-${Math.random().toString(36).slice(2)}`,
        networking: { type: 'limited', allowed_hosts: ['api.allowed.example'] },
        injection_location: { header: true, body: false },
      },
    });
    const agent = await createAgent(t.client, { tools: [{ type: 'agent_toolset_20260401', default_config: { enabled: false }, configs: [{ name: 'bash', enabled: true }] }] });
    const env = await createEnvironment(t.client, { config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['api.allowed.example'] } } });
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id, vault_ids: [vault.id] });

    const results = await runTools(t, fake, session.id, [bash('echo one'), bash('echo two')]);
    expect(results.map((r) => r.text.trim())).toEqual(['one', 'two']);
    // retrying, not terminal: the session goes on, and a later turn's tools run without repeating it.
    const later = await runTools(t, fake, session.id, [bash('echo three')]);
    expect(later.map((r) => r.text.trim())).toEqual(['three']);

    const events = (await t.client.beta.sessions.events.list(session.id)).data;
    const errors = events.flatMap((e) => (e.type === 'session.error' ? [e.error] : []));
    expect(errors).toEqual([
      {
        type: 'credential_host_unreachable_error',
        credential_id: credential.id,
        vault_id: vault.id,
        message: expect.stringContaining('api.elsewhere.example'),
        retry_status: { type: 'retrying' },
      },
    ]);
    expect(errors[0]!.message).not.toContain('api.allowed.example,');
    // Reported before the first tool's result.
    const types = events.map((e) => e.type);
    expect(types.indexOf('session.error')).toBeLessThan(types.indexOf('agent.tool_result'));
  });
});

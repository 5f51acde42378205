// Agents name models the server can run: an id outside the configured provider's list (agentd's
// model table, its aliases and AGENTD_MODEL_MAP) is refused at create and update, changing nothing.
import { describe, expect, it } from 'vitest';
import { useServer } from '../helpers/use.js';
import { dialects } from '../helpers/databases.js';
import { expectEnvelope, failure } from '../helpers/errors.js';

describe.each(dialects())('agent model ids (%s)', (dialect) => {
  const t = useServer(dialect, { env: { AGENTD_MODEL_MAP: JSON.stringify({ 'house-model': 'claude-haiku-4-5' }) } });

  it('refuses an unknown model at create, naming it and how to add one; nothing is created', async () => {
    const err = await failure(t.client.beta.agents.create({ name: 'typo', model: 'claude-sonet-4-6' }));
    expectEnvelope(err, 400, 'invalid_request_error');
    expect(err.error.error.message).toContain('model: "claude-sonet-4-6" is not a model of the configured provider (anthropic)');
    expect(err.error.error.message).toContain('AGENTD_MODEL_MAP');
    expect((await t.client.beta.agents.list()).data.map((a) => a.name)).not.toContain('typo');
  });

  it('accepts table ids, aliases and AGENTD_MODEL_MAP keys; refuses an unknown one at update, keeping the version', async () => {
    for (const model of ['claude-sonnet-4-6', 'claude-haiku-4-5', 'claude-haiku-4-5-20251001', 'house-model']) {
      expect((await t.client.beta.agents.create({ name: `ok-${model}`, model })).model.id).toBe(model);
    }
    const agent = await t.client.beta.agents.create({ name: 'upd', model: { id: 'claude-opus-4-8', speed: 'fast' } });
    const err = await failure(t.client.beta.agents.update(agent.id, { version: agent.version, model: 'gpt-5' }));
    expectEnvelope(err, 400, 'invalid_request_error');
    expect(err.error.error.message).toContain('"gpt-5"');
    const after = await t.client.beta.agents.retrieve(agent.id);
    expect(after.version).toBe(1);
    expect(after.model.id).toBe('claude-opus-4-8');
    // Other fields of an agent still update.
    expect((await t.client.beta.agents.update(agent.id, { version: 1, system: 'new' })).version).toBe(2);
  });
});

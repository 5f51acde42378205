// Values a database column cannot hold, sent through the official SDK as an application would: a NUL in a string
// (PostgreSQL refuses it in text) and numbers past the 32-bit columns versions and sequence numbers live in. Each is
// a 400 naming the field, on both dialects, and nothing is stored. (The raw-HTTP forms, a JSON null body and the
// gateway's pass-through bodies: envelope-everywhere.test.ts.)
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { expectEnvelope, failure } from '../helpers/errors.js';
import { useServer } from '../helpers/use.js';

describe.each(dialects())('values the database cannot hold, through the SDK (%s)', (dialect) => {
  const t = useServer(dialect);

  const refused = async (p: Promise<unknown>, message: RegExp) => {
    const err = await failure(p);
    expectEnvelope(err, 400, 'invalid_request_error');
    expect(err.error.error.message).toMatch(message);
  };

  it('a NUL in a string, a version past 32 bits, a Last-Event-ID past it: 400 naming the field, nothing stored', async () => {
    await refused(t.client.beta.vaults.create({ display_name: 'a\u0000b' }), /^display_name: .*NUL/);
    await refused(t.client.beta.agents.create({ name: 'n', model: 'claude-sonnet-4-6', metadata: { k: 'v\u0000' } }), /^metadata\.k: .*NUL/);
    // Batch params go to the provider as sent, but the model is stored in the usage ledger.
    await refused(
      t.client.messages.batches.create({ requests: [{ custom_id: 'c', params: { model: 'claude\u0000', max_tokens: 1, messages: [{ role: 'user', content: 'x' }] } }] }),
      /^requests\.0\.params\.model: .*NUL/,
    );
    expect((await t.client.messages.batches.list()).data).toEqual([]);
    expect((await t.client.beta.vaults.list()).data).toEqual([]);
    expect((await t.client.beta.agents.list()).data).toEqual([]);

    const agent = await t.client.beta.agents.create({ name: 'bounds', model: 'claude-sonnet-4-6' });
    const environment = await t.client.beta.environments.create({ name: 'bounds' });
    await refused(t.client.beta.agents.retrieve(agent.id, { version: 2147483648 }), /^version: must be at most 2147483647/);
    await refused(t.client.beta.sessions.create({ agent: { type: 'agent', id: agent.id, version: 2147483648 }, environment_id: environment.id }), /^agent/);
    expect((await t.client.beta.sessions.list()).data).toEqual([]);
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    await refused(t.client.beta.sessions.events.stream(session.id, {}, { headers: { 'Last-Event-ID': '2147483648' } }), /^Last-Event-ID:/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe.each(dialects())('agents (%s)', (dialect) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(dialect);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates, retrieves, updates with a new version, and lists versions', async () => {
    const created = await t.client.beta.agents.create({
      name: 'Coder',
      model: 'claude-opus-4-8',
      system: 'You write code.',
      tools: [{ type: 'agent_toolset_20260401' }],
    });
    expect(created).toMatchObject({ type: 'agent', name: 'Coder', version: 1, model: { id: 'claude-opus-4-8' } });
    expect(created.id).toMatch(/^agent_/);

    const fetched = await t.client.beta.agents.retrieve(created.id);
    expect(fetched).toEqual(created);

    const updated = await t.client.beta.agents.update(created.id, { version: 1, system: 'You review code.' });
    expect(updated.version).toBe(2);
    expect(updated.system).toBe('You review code.');

    const v1 = await t.client.beta.agents.retrieve(created.id, { version: 1 });
    expect(v1.system).toBe('You write code.');

    const versions = [];
    for await (const v of t.client.beta.agents.versions.list(created.id)) versions.push(v.version);
    expect(versions).toEqual([2, 1]);
  });

  it('rejects a stale optimistic version with 409 and changes nothing', async () => {
    const a = await t.client.beta.agents.create({ name: 'A', model: 'claude-sonnet-4-6' });
    await t.client.beta.agents.update(a.id, { version: 1, name: 'B' });
    const err = await t.client.beta.agents.update(a.id, { version: 1, name: 'C' }).catch((e) => e);
    expect(err.status).toBe(409);
    expect(err.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect((await t.client.beta.agents.retrieve(a.id)).name).toBe('B');
  });
});

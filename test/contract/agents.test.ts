// Agents through the official SDK: lifecycle, documented limits, update semantics, archive, paging.
import Anthropic from '@anthropic-ai/sdk';
import type { AgentCreateParams } from '@anthropic-ai/sdk/resources/beta/agents/agents.js';
import { describe, expect, it } from 'vitest';
import { useServer } from '../helpers/use.js';
import { uploadSkill } from '../helpers/skills.js';
import { dialects } from '../helpers/databases.js';

describe.each(dialects())('agents (%s)', (dialect) => {
  const t = useServer(dialect);

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

const customTool = (name: string) => ({
  type: 'custom' as const,
  name,
  description: 'd',
  input_schema: { type: 'object' as const },
});
const mcpServer = (name: string) => ({ type: 'url' as const, name, url: `https://${name}.example.com/mcp` });
const pairs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));

describe.each(dialects())('agents: validation, update, archive, paging (%s)', (dialect) => {
  const t = useServer(dialect);

  const allAgentIds = async () => {
    const ids: string[] = [];
    for await (const a of t.client.beta.agents.list({ include_archived: true, limit: 100 })) ids.push(a.id);
    return ids.sort();
  };

  // Each case: the params, and where the message must point (the offending field).
  const invalid: Array<[string, Record<string, unknown>, RegExp]> = [
    ['empty name', { name: '' }, /^name\b/],
    ['257-character name', { name: 'n'.repeat(257) }, /^name\b/],
    ['description over 2048', { description: 'd'.repeat(2049) }, /^description\b/],
    ['system over 100,000', { system: 's'.repeat(100_001) }, /^system\b/],
    ['129 tools', { tools: Array.from({ length: 129 }, (_, i) => customTool(`t${i}`)) }, /^tools\b/],
    ['21 skills', { skills: Array.from({ length: 21 }, (_, i) => ({ type: 'anthropic', skill_id: `s${i}` })) }, /^skills\b/],
    ['21 MCP servers', { mcp_servers: Array.from({ length: 21 }, (_, i) => mcpServer(`m${i}`)) }, /^mcp_servers\b/],
    ['duplicate MCP server names', { mcp_servers: [mcpServer('x'), { ...mcpServer('x'), url: 'https://y.example.com' }] }, /^mcp_servers\b/],
    ['17 metadata pairs', { metadata: pairs(17) }, /^metadata\b/],
    ['65-character metadata key', { metadata: { ['k'.repeat(65)]: 'v' } }, /^metadata\b/],
    ['513-character metadata value', { metadata: { k: 'v'.repeat(513) } }, /^metadata\.k\b/],
    ['mcp_toolset for an undeclared server', { tools: [{ type: 'mcp_toolset', mcp_server_name: 'nope' }] }, /^tools\[0\]\.mcp_server_name\b.*nope/],
    ['duplicate custom tool names', { tools: [customTool('dup'), customTool('dup')] }, /^tools\[1\]\.name\b.*dup/],
    ['unknown top-level field', { bogus_field: 1 }, /bogus_field/],
  ];

  it.each(invalid)('rejects %s with a 400 naming the field, creating nothing', async (_label, extra, field) => {
    const before = await allAgentIds();
    const params = { name: 'Valid', model: 'claude-sonnet-4-6', ...extra } as unknown as AgentCreateParams;
    const err = await t.client.beta.agents.create(params).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.BadRequestError);
    const e = err as InstanceType<typeof Anthropic.BadRequestError>;
    expect(e.status).toBe(400);
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(e.apiMessage).toMatch(field);
    expect(await allAgentIds()).toEqual(before);
  });

  it('accepts every limit exactly at its maximum', async () => {
    const a = await t.client.beta.agents.create({
      name: 'n'.repeat(256),
      model: 'claude-sonnet-4-6',
      description: 'd'.repeat(2048),
      system: 's'.repeat(100_000),
      tools: Array.from({ length: 128 }, (_, i) => customTool(`t${i}`)),
      skills: await Promise.all(
        Array.from({ length: 20 }, async (_, i) => ({ type: 'custom' as const, skill_id: (await uploadSkill(t.client, `limit-${i}`)).id })),
      ),
      mcp_servers: Array.from({ length: 20 }, (_, i) => mcpServer(`m${i}`)),
      metadata: { ...pairs(15), ['k'.repeat(64)]: 'v'.repeat(512) },
    });
    expect(a.tools).toHaveLength(128);
    expect(a.skills).toHaveLength(20);
    expect(a.mcp_servers).toHaveLength(20);
    expect(Object.keys(a.metadata)).toHaveLength(16);
  });

  it('normalises the model: a string gets standard speed and the default effort, an object keeps fast', async () => {
    const plain = await t.client.beta.agents.create({ name: 'M1', model: 'claude-opus-4-8' });
    expect(plain.model).toEqual({ id: 'claude-opus-4-8', speed: 'standard', effort: { type: 'high' } });
    const fast = await t.client.beta.agents.create({ name: 'M2', model: { id: 'claude-opus-4-8', speed: 'fast' } });
    expect(fast.model).toEqual({ id: 'claude-opus-4-8', speed: 'fast', effort: { type: 'high' } });
    expect((await t.client.beta.agents.retrieve(fast.id)).model).toEqual(fast.model);
  });

  it('update keeps omitted fields, patches metadata (null deletes a key), and a no-op keeps the version', async () => {
    const a = await t.client.beta.agents.create({
      name: 'Patchy',
      model: 'claude-sonnet-4-6',
      description: 'desc',
      system: 'sys',
      tools: [customTool('lookup')],
      mcp_servers: [mcpServer('docs')],
      metadata: { keep: '1', drop: '2', change: 'old' },
    });
    const updated = await t.client.beta.agents.update(a.id, {
      version: 1,
      metadata: { drop: null, change: 'new', add: '3' },
    });
    expect(updated.version).toBe(2);
    expect(updated.metadata).toEqual({ keep: '1', change: 'new', add: '3' });
    const { metadata: _m1, version: _v1, updated_at: _u1, ...rest1 } = a;
    const { metadata: _m2, version: _v2, updated_at: _u2, ...rest2 } = updated;
    expect(rest2).toEqual(rest1);

    // Sending the current values again changes nothing, so no version is minted.
    const same = await t.client.beta.agents.update(a.id, { version: 2, name: 'Patchy', system: 'sys', metadata: { keep: '1' } });
    expect(same.version).toBe(2);
    expect(same).toEqual(updated);
    const versions = [];
    for await (const v of t.client.beta.agents.versions.list(a.id)) versions.push(v.version);
    expect(versions).toEqual([2, 1]);
  });

  it('archive: the agent comes back with archived_at, is idempotent, read-only, and hidden from list', async () => {
    const a = await t.client.beta.agents.create({ name: 'Old', model: 'claude-sonnet-4-6' });
    const archived = await t.client.beta.agents.archive(a.id);
    expect(archived.id).toBe(a.id);
    expect(archived.archived_at).toEqual(expect.any(String));
    expect(Date.parse(archived.archived_at!)).not.toBeNaN();

    const again = await t.client.beta.agents.archive(a.id);
    expect(again.archived_at).toBe(archived.archived_at);
    expect((await t.client.beta.agents.retrieve(a.id)).archived_at).toBe(archived.archived_at);

    const err = await t.client.beta.agents.update(a.id, { version: 1, name: 'New' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.ConflictError);
    expect((err as InstanceType<typeof Anthropic.ConflictError>).error).toMatchObject({
      type: 'error',
      error: { type: 'invalid_request_error' },
    });
    expect((await t.client.beta.agents.retrieve(a.id)).name).toBe('Old');

    const listed = [];
    for await (const x of t.client.beta.agents.list()) listed.push(x.id);
    expect(listed).not.toContain(a.id);
    const withArchived = [];
    for await (const x of t.client.beta.agents.list({ include_archived: true })) withArchived.push(x.id);
    expect(withArchived).toContain(a.id);
  });

  it('paginates across several pages, newest first, with no duplicates or gaps', async () => {
    const created = [];
    for (let i = 0; i < 7; i++) created.push(await t.client.beta.agents.create({ name: `P${i}`, model: 'claude-sonnet-4-6' }));
    // Only this test's agents: everything created since the first of them.
    const since = { 'created_at[gte]': created[0]!.created_at, limit: 3 };

    const auto = [];
    for await (const a of t.client.beta.agents.list(since)) auto.push(a);

    const manual = [];
    const pageSizes = [];
    let page = await t.client.beta.agents.list(since);
    for (;;) {
      pageSizes.push(page.data.length);
      manual.push(...page.data);
      if (!page.next_page) break;
      page = await t.client.beta.agents.list({ ...since, page: page.next_page });
    }
    expect(pageSizes).toEqual([3, 3, 1]);

    for (const got of [auto, manual]) {
      const ids = got.map((a) => a.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual(created.map((a) => a.id).sort());
      const times = got.map((a) => Date.parse(a.created_at));
      expect(times).toEqual([...times].sort((x, y) => y - x));
    }
    expect(manual.map((a) => a.id)).toEqual(auto.map((a) => a.id));
  });

  it('retrieving a version that does not exist is a 404', async () => {
    const a = await t.client.beta.agents.create({ name: 'V', model: 'claude-sonnet-4-6' });
    const err = await t.client.beta.agents.retrieve(a.id, { version: 99 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    expect((err as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({
      type: 'error',
      error: { type: 'not_found_error' },
    });
  });
});

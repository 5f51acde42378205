import { describe, expect, it } from 'vitest';
import { useServer } from '../helpers/use.js';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment, createSession, userMessage } from '../helpers/fixtures.js';

describe.each(dialects())('sessions (%s)', (dialect) => {
  const t = useServer(dialect);

  it('creates a session from the string shorthand with the latest agent version snapshotted', async () => {
    const agent = await createAgent(t.client, { system: 'v1' });
    await t.client.beta.agents.update(agent.id, { version: 1, system: 'v2' });
    const env = await createEnvironment(t.client);
    const session = await t.client.beta.sessions.create({
      agent: agent.id,
      environment_id: env.id,
      title: 'hello',
      metadata: { team: 'x' },
    });
    expect(session).toMatchObject({
      type: 'session',
      status: 'idle',
      title: 'hello',
      environment_id: env.id,
      metadata: { team: 'x' },
      archived_at: null,
      resources: [],
      vault_ids: [],
      agent: { type: 'agent', id: agent.id, version: 2, system: 'v2' },
      usage: { input_tokens: 0, output_tokens: 0 },
    });
    expect(session.id).toMatch(/^sesn_/);
    // A later agent update does not touch the session's snapshot.
    await t.client.beta.agents.update(agent.id, { version: 2, system: 'v3' });
    expect((await t.client.beta.sessions.retrieve(session.id)).agent.system).toBe('v2');
  });

  it('pins a version and applies session-level overrides', async () => {
    const agent = await createAgent(t.client, { system: 'first' });
    await t.client.beta.agents.update(agent.id, { version: 1, system: 'second' });
    const env = await createEnvironment(t.client);
    const pinned = await t.client.beta.sessions.create({
      agent: { type: 'agent', id: agent.id, version: 1 },
      environment_id: env.id,
    });
    expect(pinned.agent).toMatchObject({ version: 1, system: 'first' });

    const overridden = await t.client.beta.sessions.create({
      agent: { type: 'agent_with_overrides', id: agent.id, system: 'override', model: 'claude-opus-4-8' },
      environment_id: env.id,
    });
    expect(overridden.agent).toMatchObject({ version: 2, system: 'override', model: { id: 'claude-opus-4-8' } });
  });

  it('refuses unknown, archived or missing references with clear errors and creates nothing', async () => {
    const env = await createEnvironment(t.client);
    const before = (await t.client.beta.sessions.list({ limit: 100 })).data.length;

    const unknownAgent = await t.client.beta.sessions
      .create({ agent: 'agent_doesnotexist', environment_id: env.id })
      .catch((e) => e);
    expect(unknownAgent.status).toBe(404);
    expect(unknownAgent.error.error.type).toBe('not_found_error');

    const agent = await createAgent(t.client);
    const badVersion = await t.client.beta.sessions
      .create({ agent: { type: 'agent', id: agent.id, version: 7 }, environment_id: env.id })
      .catch((e) => e);
    expect(badVersion.status).toBe(400);
    expect(badVersion.error.error.message).toContain('agent.version');

    const unknownEnv = await t.client.beta.sessions.create({ agent: agent.id, environment_id: 'env_nope' }).catch((e) => e);
    expect(unknownEnv.status).toBe(404);

    const archivedEnv = await createEnvironment(t.client);
    await t.client.beta.environments.archive(archivedEnv.id);
    const onArchivedEnv = await t.client.beta.sessions
      .create({ agent: agent.id, environment_id: archivedEnv.id })
      .catch((e) => e);
    expect(onArchivedEnv.status).toBe(400);
    expect(onArchivedEnv.error.error.details?.error_code).toBe('environment_archived');

    await t.client.beta.agents.archive(agent.id);
    const onArchivedAgent = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id }).catch((e) => e);
    expect(onArchivedAgent.status).toBe(400);
    expect(onArchivedAgent.error.error.message).toMatch(/archived/);

    const missingField = await t.client.beta.sessions.create({ agent: agent.id } as never).catch((e) => e);
    expect(missingField.status).toBe(400);
    expect(missingField.error.error.message).toContain('environment_id');

    expect((await t.client.beta.sessions.list({ limit: 100 })).data.length).toBe(before);
  });

  it('updates title and metadata, and agent tools while idle', async () => {
    const session = await createSession(t.client, { metadata: { a: '1', b: '2' } });
    const updated = await t.client.beta.sessions.update(session.id, {
      title: 'renamed',
      metadata: { a: null, c: '3' },
      agent: { tools: [{ type: 'agent_toolset_20260401', configs: [{ name: 'bash', enabled: false }] }] },
    });
    expect(updated.title).toBe('renamed');
    expect(updated.metadata).toEqual({ b: '2', c: '3' });
    expect(updated.agent.tools[0]).toMatchObject({
      type: 'agent_toolset_20260401',
      configs: [{ name: 'bash', enabled: false }],
    });
    const bad = await t.client.beta.sessions.update(session.id, { title: 5 as never }).catch((e) => e);
    expect(bad.status).toBe(400);
    expect(bad.error.error.message).toContain('title');
    expect((await t.client.beta.sessions.retrieve(session.id)).title).toBe('renamed');
  });

  it('lists with filters and walks pages in both directions', async () => {
    const agent = await createAgent(t.client);
    const env = await createEnvironment(t.client);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      ids.push((await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id })).id);
    }
    const newestFirst = [...ids].reverse();

    const all: string[] = [];
    for await (const s of t.client.beta.sessions.list({ agent_id: agent.id, limit: 3 })) all.push(s.id);
    expect(all).toEqual(newestFirst);

    const p1 = await t.client.beta.sessions.list({ agent_id: agent.id, limit: 3 });
    expect(p1.prev_page).toBeNull();
    const p2 = await t.client.beta.sessions.list({ agent_id: agent.id, limit: 3, page: p1.next_page! });
    expect(p2.data.map((s) => s.id)).toEqual(newestFirst.slice(3, 6));
    const back = await t.client.beta.sessions.list({ agent_id: agent.id, limit: 3, page: p2.prev_page! });
    expect(back.data.map((s) => s.id)).toEqual(newestFirst.slice(0, 3));

    const asc = await t.client.beta.sessions.list({ agent_id: agent.id, order: 'asc', limit: 100 });
    expect(asc.data.map((s) => s.id)).toEqual(ids);
    const idle = await t.client.beta.sessions.list({ agent_id: agent.id, statuses: ['idle'], limit: 100 });
    expect(idle.data).toHaveLength(7);
    const running = await t.client.beta.sessions.list({ agent_id: agent.id, statuses: ['running'], limit: 100 });
    expect(running.data).toHaveLength(0);
    const bad = await t.client.beta.sessions.list({ statuses: ['sleeping' as never] }).catch((e) => e);
    expect(bad.status).toBe(400);
  });

  it('archives: read-only, hidden from list by default, refuses events without writing them', async () => {
    const session = await createSession(t.client);
    const archived = await t.client.beta.sessions.archive(session.id);
    expect(archived.archived_at).not.toBeNull();
    expect((await t.client.beta.sessions.archive(session.id)).archived_at).toBe(archived.archived_at);

    const send = await t.client.beta.sessions.events.send(session.id, { events: [userMessage('hi')] }).catch((e) => e);
    expect(send.status).toBe(409);
    expect((await t.client.beta.sessions.events.list(session.id)).data).toHaveLength(0);
    const update = await t.client.beta.sessions.update(session.id, { title: 'x' }).catch((e) => e);
    expect(update.status).toBe(409);

    const visible = (await t.client.beta.sessions.list({ limit: 100 })).data.map((s) => s.id);
    expect(visible).not.toContain(session.id);
    const withArchived = (await t.client.beta.sessions.list({ limit: 100, include_archived: true })).data.map((s) => s.id);
    expect(withArchived).toContain(session.id);
  });

  it('deletes a session with its events', async () => {
    const session = await createSession(t.client);
    await t.client.beta.sessions.events.send(session.id, { events: [userMessage('bye')] });
    const deleted = await t.client.beta.sessions.delete(session.id);
    expect(deleted).toEqual({ id: session.id, type: 'session_deleted' });
    expect((await t.client.beta.sessions.retrieve(session.id).catch((e) => e)).status).toBe(404);
    expect((await t.client.beta.sessions.events.list(session.id).catch((e) => e)).status).toBe(404);
    expect((await t.client.beta.sessions.delete(session.id).catch((e) => e)).status).toBe(404);
  });

  it('records initial_events at creation', async () => {
    const session = await createSession(t.client, { initial_events: [userMessage('kick off')] });
    const events = (await t.client.beta.sessions.events.list(session.id)).data;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'user.message', processed_at: null, content: [{ type: 'text', text: 'kick off' }] });
  });
});

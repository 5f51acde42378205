// Contract: /v1/memory_stores (stores, memories, versions) driven through the official SDK, on every dialect.
import { createHash } from 'node:crypto';
import type Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { expectEnvelope, failure } from '../helpers/errors.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { TEST_API_KEY } from '../helpers/server.js';
import { useServer } from '../helpers/use.js';

const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');
const API_KEY_ID = 'apikey_' + sha(TEST_API_KEY).slice(0, 24);

async function all<T>(page: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of page) out.push(item);
  return out;
}

describe.each(dialects())('memory stores (%s)', (dialect) => {
  const t = useServer(dialect);
  const stores = () => t.client.beta.memoryStores;
  const memories = () => t.client.beta.memoryStores.memories;
  const versions = () => t.client.beta.memoryStores.memoryVersions;
  let seq = 0;
  const newStore = (extra: Partial<Anthropic.Beta.MemoryStores.MemoryStoreCreateParams> = {}) =>
    stores().create({ name: `Store ${++seq}`, ...extra });

  it('creates, retrieves, updates, lists, archives and deletes stores', async () => {
    const created = await stores().create({ name: 'User Preferences', description: 'Per-user prefs.', metadata: { user: 'u1' } });
    expect(created).toMatchObject({
      type: 'memory_store',
      name: 'User Preferences',
      description: 'Per-user prefs.',
      metadata: { user: 'u1' },
      archived_at: null,
    });
    expect(created.id).toMatch(/^memstore_/);
    expect(created.updated_at).toBe(created.created_at);
    expect(await stores().retrieve(created.id)).toEqual(created);
    expect((await newStore()).description).toBe('');

    const updated = await stores().update(created.id, { name: 'Prefs', metadata: { user: null, team: 't' } });
    expect(updated).toMatchObject({ name: 'Prefs', description: 'Per-user prefs.', metadata: { team: 't' } });
    expect(await stores().update(created.id, { description: '' })).toMatchObject({ description: '' });
    // An update that changes nothing leaves updated_at alone.
    const same = await stores().retrieve(created.id);
    expect(await stores().update(created.id, { name: 'Prefs' })).toEqual(same);

    const listed = await all(stores().list({ limit: 1 }));
    const ids = listed.map((s) => s.id);
    expect(ids).toContain(created.id);
    expect([...ids].sort().reverse()).toEqual(ids); // newest first, across pages

    const archived = await stores().archive(created.id);
    expect(archived.archived_at).not.toBeNull();
    expect(await stores().archive(created.id)).toEqual(archived); // idempotent
    expect((await all(stores().list())).map((s) => s.id)).not.toContain(created.id);
    expect((await all(stores().list({ include_archived: true }))).map((s) => s.id)).toContain(created.id);
    const err = await failure(stores().update(created.id, { name: 'again' }));
    expectEnvelope(err, 409, 'conflict_error');

    expect(await stores().delete(created.id)).toEqual({ id: created.id, type: 'memory_store_deleted' });
    expectEnvelope(await failure(stores().retrieve(created.id)), 404, 'not_found_error');
    expectEnvelope(await failure(memories().list(created.id)), 404, 'not_found_error');
  });

  it('validates store fields with a 400 naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: '' }, 'name'],
      [{ name: 'x'.repeat(256) }, 'name'],
      [{ name: 'bad\nname' }, 'name'],
      [{ name: 'ok', description: 'd'.repeat(1025) }, 'description'],
      [{ name: 'ok', metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }, 'metadata'],
      [{ name: 'ok', extra: 1 }, 'extra'],
    ];
    for (const [body, field] of cases) {
      const err = await failure(stores().create(body as never));
      expectEnvelope(err, 400, 'invalid_request_error');
      expect(err.error.error.message).toContain(field);
    }
  });

  it('creates memories at unique, non-overlapping paths and reads them in both views', async () => {
    const store = await newStore();
    const mem = await memories().create(store.id, { path: '/notes/todo.md', content: 'Buy milk' });
    expect(mem).toMatchObject({
      type: 'memory',
      memory_store_id: store.id,
      path: '/notes/todo.md',
      content: null, // create answers with the basic view by default
      content_sha256: sha('Buy milk'),
      content_size_bytes: 8,
    });
    expect(mem.id).toMatch(/^mem_/);
    expect(mem.memory_version_id).toMatch(/^memver_/);
    const full = await memories().retrieve(mem.id, { memory_store_id: store.id });
    expect(full).toEqual({ ...mem, content: 'Buy milk' });
    expect((await memories().retrieve(mem.id, { memory_store_id: store.id, view: 'basic' })).content).toBeNull();
    expect((await memories().create(store.id, { path: '/empty.md', content: '', view: 'full' })).content).toBe('');

    for (const path of ['/notes/todo.md', '/notes', '/notes/todo.md/deeper']) {
      const err = await failure(memories().create(store.id, { path, content: 'x' }));
      expectEnvelope(err, 409, 'memory_path_conflict_error');
      expect(err.error.error).toMatchObject({ conflicting_memory_id: mem.id, conflicting_path: '/notes/todo.md' });
    }
    // Siblings and look-alike prefixes are not overlaps.
    await memories().create(store.id, { path: '/notes/done.md', content: 'x' });
    await memories().create(store.id, { path: '/notes-archive/todo.md', content: 'x' });
  });

  it('refuses invalid paths and oversized content, and stores nothing', async () => {
    const store = await newStore();
    const bad = [
      'notes.md',
      '/',
      '/a//b',
      '/a/',
      '/a/../b',
      '/./a',
      '/a\u0007b',
      '/a\u200bb',
      '/cafe\u0301',
      '/' + Array.from({ length: 21 }, () => 's').join('/'),
      '/' + 'x'.repeat(1024),
      '/.anthropic-memory-store',
    ];
    for (const path of bad) {
      const err = await failure(memories().create(store.id, { path, content: 'x' }));
      expectEnvelope(err, 400, 'invalid_request_error');
      expect(err.error.error.message, path).toMatch(/^path: /);
    }
    const big = await failure(memories().create(store.id, { path: '/big.md', content: 'x'.repeat(102_401) }));
    expectEnvelope(big, 400, 'invalid_request_error');
    expect(big.error.error.message).toContain('102400');
    // Exactly at the limit, and a 20-segment path, are fine.
    await memories().create(store.id, { path: '/max.md', content: 'x'.repeat(102_400) });
    await memories().create(store.id, { path: '/' + Array.from({ length: 20 }, (_, i) => `s${i}`).join('/'), content: '' });
    expect((await all(memories().list(store.id))).map((m) => m.path).sort()).toEqual([
      '/max.md',
      '/' + Array.from({ length: 20 }, (_, i) => `s${i}`).join('/'),
    ]);
  });

  it('updates content and paths with preconditions, and writes a version per change', async () => {
    const store = await newStore();
    const mem = await memories().create(store.id, { path: '/prefs/formatting.md', content: 'Use tabs.' });
    const other = await memories().create(store.id, { path: '/other.md', content: 'o' });

    const renamed = await memories().update(mem.id, { memory_store_id: store.id, path: '/archive/formatting.md' });
    expect(renamed).toMatchObject({ id: mem.id, path: '/archive/formatting.md', content_sha256: mem.content_sha256 });
    expect(renamed.memory_version_id).not.toBe(mem.memory_version_id);
    const onto = await failure(memories().update(mem.id, { memory_store_id: store.id, path: '/other.md' }));
    expectEnvelope(onto, 409, 'memory_path_conflict_error');
    expect(onto.error.error.conflicting_memory_id).toBe(other.id);

    const stale = await failure(
      memories().update(mem.id, {
        memory_store_id: store.id,
        content: 'Use spaces.',
        precondition: { type: 'content_sha256', content_sha256: sha('something else') },
      }),
    );
    expectEnvelope(stale, 409, 'memory_precondition_failed_error');
    const fresh = await memories().update(mem.id, {
      memory_store_id: store.id,
      content: 'Use spaces.',
      precondition: { type: 'content_sha256', content_sha256: sha('Use tabs.') },
      view: 'full',
    });
    expect(fresh).toMatchObject({ content: 'Use spaces.', content_sha256: sha('Use spaces.') });
    // Asking for exactly what is stored succeeds whatever the precondition, and mints no version.
    const noop = await memories().update(mem.id, {
      memory_store_id: store.id,
      content: 'Use spaces.',
      precondition: { type: 'content_sha256', content_sha256: sha('stale') },
    });
    expect(noop.memory_version_id).toBe(fresh.memory_version_id);
    // The SDK sends POST; the reference documents PATCH.
    const patched = await t.client.patch<Anthropic.Beta.MemoryStores.BetaManagedAgentsMemory>(
      `/v1/memory_stores/${store.id}/memories/${mem.id}`,
      { body: { content: 'Patched.' } },
    );
    expect(patched.content_sha256).toBe(sha('Patched.'));

    const history = await all(versions().list(store.id, { memory_id: mem.id }));
    expect(history.map((v) => v.operation)).toEqual(['modified', 'modified', 'modified', 'created']);
    expect(history.map((v) => v.path)).toEqual([
      '/archive/formatting.md',
      '/archive/formatting.md',
      '/archive/formatting.md',
      '/prefs/formatting.md',
    ]);
    expect(history[0]).toMatchObject({ id: patched.memory_version_id, content: null, content_sha256: sha('Patched.') });
    for (const v of history) expect(v.created_by).toEqual({ type: 'api_actor', api_key_id: API_KEY_ID });
    const full = await all(versions().list(store.id, { memory_id: mem.id, view: 'full' }));
    expect(full.map((v) => v.content)).toEqual(['Patched.', 'Use spaces.', 'Use tabs.', 'Use tabs.']);
  });

  it('deletes memories (conditionally), keeping their history; 404 afterwards', async () => {
    const store = await newStore();
    const mem = await memories().create(store.id, { path: '/gone.md', content: 'bye' });
    const refused = await failure(memories().delete(mem.id, { memory_store_id: store.id, expected_content_sha256: sha('nope') }));
    expectEnvelope(refused, 409, 'memory_precondition_failed_error');
    expect(await memories().retrieve(mem.id, { memory_store_id: store.id })).toMatchObject({ content: 'bye' });
    expect(await memories().delete(mem.id, { memory_store_id: store.id, expected_content_sha256: sha('bye') })).toEqual({
      id: mem.id,
      type: 'memory_deleted',
    });
    expectEnvelope(await failure(memories().retrieve(mem.id, { memory_store_id: store.id })), 404, 'not_found_error');
    expectEnvelope(await failure(memories().delete(mem.id, { memory_store_id: store.id })), 404, 'not_found_error');
    const history = await all(versions().list(store.id, { memory_id: mem.id, view: 'full' }));
    expect(history.map((v) => [v.operation, v.path, v.content, v.content_sha256])).toEqual([
      ['deleted', '/gone.md', null, null],
      ['created', '/gone.md', 'bye', sha('bye')],
    ]);
    // The path is free again.
    await memories().create(store.id, { path: '/gone.md', content: 'back' });
  });

  it('lists by prefix and depth, in pages, in both views and orders', async () => {
    const store = await newStore();
    const paths = ['/a.md', '/notes/2026/jan.md', '/notes/2026/feb.md', '/notes/todo.md', '/notes-archive/old.md', '/z/y/x.md'];
    for (const path of paths) await memories().create(store.id, { path, content: `content of ${path}` });

    const everything = await all(memories().list(store.id, { limit: 2 }));
    expect(everything.map((m) => m.path)).toEqual([...paths].sort());
    expect(everything.every((m) => m.type === 'memory' && m.content === null)).toBe(true);

    const notes = await all(memories().list(store.id, { path_prefix: '/notes/' }));
    expect(notes.map((m) => m.path)).toEqual(['/notes/2026/feb.md', '/notes/2026/jan.md', '/notes/todo.md']);

    const top = await all(memories().list(store.id, { depth: 1, limit: 1 }));
    expect(top).toEqual([
      expect.objectContaining({ type: 'memory', path: '/a.md' }),
      { type: 'memory_prefix', path: '/notes-archive/' },
      { type: 'memory_prefix', path: '/notes/' },
      { type: 'memory_prefix', path: '/z/' },
    ]);
    const inNotes = await all(memories().list(store.id, { path_prefix: '/notes/', depth: 1 }));
    expect(inNotes.map((m) => [m.type, m.path])).toEqual([
      ['memory_prefix', '/notes/2026/'],
      ['memory', '/notes/todo.md'],
    ]);
    const two = await all(memories().list(store.id, { depth: 2, limit: 2 }));
    expect(two.map((m) => m.path)).toEqual(['/a.md', '/notes-archive/old.md', '/notes/2026/', '/notes/todo.md', '/z/y/']);

    const full = await memories().list(store.id, { view: 'full', limit: 50 });
    expect(full.data).toHaveLength(6); // full pages are capped at 20
    expect(full.data.map((m) => (m.type === 'memory' ? m.content : ''))).toEqual([...paths].sort().map((p) => `content of ${p}`));

    const query = (q: Record<string, string | number>) => t.client.get<{ data: Array<{ path: string }>; next_page: string | null }>(
      `/v1/memory_stores/${store.id}/memories`,
      { query: q },
    );
    expect((await query({ order: 'desc' })).data.map((m) => m.path)).toEqual([...paths].sort().reverse());
    const byCreated = await query({ order_by: 'created_at', limit: 4 });
    expect(byCreated.data.map((m) => m.path)).toEqual(paths.slice(0, 4));
    const rest = await query({ order_by: 'created_at', limit: 4, page: byCreated.next_page! });
    expect(rest.data.map((m) => m.path)).toEqual(paths.slice(4));
    expect((await query({ depth: 1, order: 'desc' })).data.map((m) => m.path)).toEqual(['/z/', '/notes/', '/notes-archive/', '/a.md']);

    for (const [q, field] of [
      [{ path_prefix: '/notes' }, 'path_prefix'],
      [{ path_prefix: 'notes/' }, 'path_prefix'],
      [{ depth: -1 }, 'depth'],
      [{ view: 'everything' }, 'view'],
      [{ order_by: 'size' }, 'order_by'],
      [{ depth: 1, order_by: 'created_at' }, 'depth'],
      [{ limit: 101 }, 'limit'],
    ] as const) {
      const err = await failure(query(q));
      expectEnvelope(err, 400, 'invalid_request_error');
      expect(err.error.error.message).toContain(field);
    }
  });

  it('keeps versions newest-first with filters, retrieves and redacts them', async () => {
    const store = await newStore();
    const a = await memories().create(store.id, { path: '/secret.md', content: 'password=hunter2' });
    await memories().update(a.id, { memory_store_id: store.id, content: 'password=<redacted>' });
    const b = await memories().create(store.id, { path: '/b.md', content: 'b' });
    await memories().delete(b.id, { memory_store_id: store.id });

    const history = await all(versions().list(store.id, { limit: 1 }));
    expect(history.map((v) => [v.memory_id, v.operation])).toEqual([
      [b.id, 'deleted'],
      [b.id, 'created'],
      [a.id, 'modified'],
      [a.id, 'created'],
    ]);
    expect([...history.map((v) => v.id)].sort().reverse()).toEqual(history.map((v) => v.id));
    expect((await all(versions().list(store.id, { operation: 'created' }))).map((v) => v.memory_id)).toEqual([b.id, a.id]);
    expect(await all(versions().list(store.id, { api_key_id: API_KEY_ID }))).toHaveLength(4);
    expect(await all(versions().list(store.id, { api_key_id: 'apikey_other' }))).toHaveLength(0);
    expect(await all(versions().list(store.id, { session_id: 'sesn_none' }))).toHaveLength(0);
    const since = await all(versions().list(store.id, { 'created_at[gte]': history[0]!.created_at }));
    expect(since.map((v) => v.id)).toContain(history[0]!.id);

    const leaked = history[3]!;
    expect(await versions().retrieve(leaked.id, { memory_store_id: store.id })).toMatchObject({
      content: 'password=hunter2',
      path: '/secret.md',
      redacted_at: null,
      redacted_by: null,
    });
    const redacted = await versions().redact(leaked.id, { memory_store_id: store.id });
    expect(redacted).toMatchObject({
      id: leaked.id,
      operation: 'created',
      content: null,
      content_sha256: null,
      content_size_bytes: null,
      path: null,
      created_by: { type: 'api_actor', api_key_id: API_KEY_ID },
      redacted_by: { type: 'api_actor', api_key_id: API_KEY_ID },
    });
    expect(redacted.redacted_at).not.toBeNull();
    expect(await versions().retrieve(leaked.id, { memory_store_id: store.id })).toEqual(redacted);
    expect(await versions().redact(leaked.id, { memory_store_id: store.id })).toEqual(redacted);
    // The head version holds the memory's current content: redact it only after changing the memory.
    const head = await failure(versions().redact(history[2]!.id, { memory_store_id: store.id }));
    expectEnvelope(head, 409, 'conflict_error');
    expectEnvelope(await failure(versions().retrieve('memver_missing', { memory_store_id: store.id })), 404, 'not_found_error');
  });

  it('archived stores are read-only but can still be read, cleaned up and redacted', async () => {
    const store = await newStore();
    const mem = await memories().create(store.id, { path: '/keep.md', content: 'v1' });
    await memories().update(mem.id, { memory_store_id: store.id, content: 'v2' });
    await stores().archive(store.id);
    expectEnvelope(await failure(memories().create(store.id, { path: '/new.md', content: 'x' })), 409, 'conflict_error');
    expectEnvelope(await failure(memories().update(mem.id, { memory_store_id: store.id, content: 'v3' })), 409, 'conflict_error');
    expect((await memories().retrieve(mem.id, { memory_store_id: store.id })).content).toBe('v2');
    const old = (await all(versions().list(store.id, { operation: 'created' })))[0]!;
    expect((await versions().redact(old.id, { memory_store_id: store.id })).redacted_at).not.toBeNull();
    await memories().delete(mem.id, { memory_store_id: store.id });
    expect(await all(memories().list(store.id))).toEqual([]);
  });

  it('attaches stores to new sessions (validated) and filters sessions by store', async () => {
    const agent = await createAgent(t.client);
    const env = await createEnvironment(t.client, { config: { type: 'self_hosted' } });
    const rw = await stores().create({ name: 'User Preferences', description: 'What the user likes.' });
    const ro = await stores().create({ name: 'user preferences!' }); // same slug: a suffix keeps mounts apart
    const session = await t.client.beta.sessions.create({
      agent: agent.id,
      environment_id: env.id,
      resources: [
        { type: 'memory_store', memory_store_id: rw.id, instructions: 'Check before starting.' },
        { type: 'memory_store', memory_store_id: ro.id, access: 'read_only' },
      ],
    });
    expect(session.resources).toEqual([
      {
        type: 'memory_store',
        memory_store_id: rw.id,
        access: 'read_write',
        instructions: 'Check before starting.',
        name: 'User Preferences',
        description: 'What the user likes.',
        mount_path: '/mnt/memory/user-preferences',
      },
      {
        type: 'memory_store',
        memory_store_id: ro.id,
        access: 'read_only',
        instructions: null,
        name: 'user preferences!',
        description: '',
        mount_path: '/mnt/memory/user-preferences-2',
      },
    ]);
    expect((await t.client.beta.sessions.retrieve(session.id)).resources).toEqual(session.resources);
    const other = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });

    const filtered = await all(t.client.beta.sessions.list({ memory_store_id: ro.id }));
    expect(filtered.map((s) => s.id)).toEqual([session.id]);
    expect((await all(t.client.beta.sessions.list({ memory_store_id: 'memstore_none' }))).map((s) => s.id)).toEqual([]);
    expect((await all(t.client.beta.sessions.list())).map((s) => s.id)).toEqual(expect.arrayContaining([session.id, other.id]));

    const archived = await newStore();
    await stores().archive(archived.id);
    const many = await Promise.all(Array.from({ length: 9 }, () => newStore()));
    const bad: Array<[NonNullable<Anthropic.Beta.SessionCreateParams['resources']>, string]> = [
      [[{ type: 'memory_store', memory_store_id: 'memstore_missing' }], 'resources[0].memory_store_id'],
      [[{ type: 'memory_store', memory_store_id: archived.id }], 'resources[0].memory_store_id'],
      [
        [
          { type: 'memory_store', memory_store_id: rw.id },
          { type: 'memory_store', memory_store_id: rw.id },
        ],
        'resources[1].memory_store_id',
      ],
      [many.map((s) => ({ type: 'memory_store' as const, memory_store_id: s.id })), 'resources'],
      [[{ type: 'memory_store', memory_store_id: rw.id, instructions: 'i'.repeat(4097) }], 'resources[0].instructions'],
      [[{ type: 'memory_store', memory_store_id: rw.id, access: 'write' as never }], 'resources[0].access'],
    ];
    const before = (await all(t.client.beta.sessions.list())).length;
    for (const [resources, field] of bad) {
      const err = await failure(t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id, resources }));
      expectEnvelope(err, 400, 'invalid_request_error');
      expect(err.error.error.message).toContain(`${field}:`);
    }
    expect((await all(t.client.beta.sessions.list())).length).toBe(before);

    // Deleting a session drops it from the filter; deleting the store keeps the session's snapshot.
    await t.client.beta.sessions.delete(session.id);
    expect(await all(t.client.beta.sessions.list({ memory_store_id: ro.id }))).toEqual([]);
  });
});

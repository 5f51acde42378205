// The SDK's EnvironmentWorker sees a session's memory stores and skills through agentd exactly as
// through the hosted API: it downloads the agent's skill into {workdir}/skills/<name>, mounts each
// store at its mount_path (/mnt/memory/<slug>, in a private /mnt: the worker runs under bwrap as in
// a container), and syncs what the agent writes back with its session token, as session_actor
// versions, while the read-only store stays unchanged.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { createEnvironment } from '../helpers/fixtures.js';
import { keyFromCli, killGroup, textOf, toolResults, until, useWorkers } from '../helpers/self-hosted.js';
import { folderFiles, skillMd } from '../helpers/skills.js';
import { sendText, waitSettled } from '../helpers/turns.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';

/** The worker's own /mnt, as a container would give it (the store mounts go under /mnt/memory). */
const PRIVATE_MNT = ['bwrap', '--unshare-user', '--dev-bind', '/', '/', '--tmpfs', '/mnt', '--die-with-parent', '--'];

describe.each(dialects())('the SDK EnvironmentWorker with memory stores and skills (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake }));
  const workers = useWorkers();

  it('downloads the skill, mounts both stores, and syncs the agent’s writes back as session_actor versions', async () => {
    const stores = t.client.beta.memoryStores;
    const notes = await stores.create({ name: 'Worker Notes', description: 'What the agent learned.' });
    await stores.memories.create(notes.id, { path: '/notes/seed.md', content: 'seeded fact\n' });
    const reference = await stores.create({ name: 'Worker Reference' });
    await stores.memories.create(reference.id, { path: '/ref.md', content: 'reference text\n' });
    const skill = await t.client.beta.skills.create({
      files: await folderFiles({
        'greeter/SKILL.md': skillMd('greeter', 'Greets people. Use when asked to greet.', '# Greeter\n\nRun scripts/hello.sh.\n'),
        'greeter/scripts/hello.sh': 'echo hello from the skill\n',
      }),
    });
    const agent = await t.client.beta.agents.create({
      name: 'remembering-worker',
      model: 'claude-sonnet-4-6',
      tools: [{ type: 'agent_toolset_20260401' }],
      skills: [{ type: 'custom', skill_id: skill.id }],
    });
    const env = await createEnvironment(t.client, { config: { type: 'self_hosted' } });
    const session = await t.client.beta.sessions.create({
      agent: agent.id,
      environment_id: env.id,
      resources: [
        { type: 'memory_store', memory_store_id: notes.id },
        { type: 'memory_store', memory_store_id: reference.id, access: 'read_only' },
      ],
    });
    const [notesMount, referenceMount] = session.resources.map((r) => (r.type === 'memory_store' ? r.mount_path : ''));
    expect([notesMount, referenceMount]).toEqual(['/mnt/memory/worker-notes', '/mnt/memory/worker-reference']);

    const key = await keyFromCli(t.url, env.id);
    // A short idle timeout ends the worker's hold on the session soon after the turn, and with it
    // the final memory sync (the SDK's clean-end flush).
    const { worker, workdir } = workers.start(t.url, env.id, key, { wrap: PRIVATE_MNT, env: { WORKER_MAX_IDLE_MS: '1500' } });
    fake.enqueue(
      { content: [{ type: 'tool_use', name: 'bash', input: { command: `cat ${notesMount}/notes/seed.md ${referenceMount}/ref.md && ls ${notesMount}/notes` } }] },
      { content: [{ type: 'tool_use', name: 'read', input: { file_path: 'skills/greeter/SKILL.md' } }] },
      { content: [{ type: 'tool_use', name: 'bash', input: { command: 'sh skills/greeter/scripts/hello.sh' } }] },
      { content: [{ type: 'tool_use', name: 'write', input: { file_path: `${notesMount}/notes/learned.md`, content: 'the user likes tea\n' } }] },
      { content: [{ type: 'tool_use', name: 'write', input: { file_path: `${referenceMount}/ref.md`, content: 'overwritten\n' } }] },
      { content: [{ type: 'text', text: 'Noted.' }] },
    );
    await sendText(t.client, session.id, 'Look around, greet, and remember that I like tea.');
    const events = await waitSettled(t.client, session.id, 90_000);

    // The system prompt names the mounts where the worker puts them (skills under its workdir).
    const system = (fake.requests[0]!.body.system as Array<{ text: string }>).map((b) => b.text).join('\n');
    expect(system).toContain('- /mnt/memory/worker-notes (read-write): "Worker Notes" — What the agent learned.');
    expect(system).toContain('- /mnt/memory/worker-reference (read-only): "Worker Reference"');
    expect(system).toContain('- greeter: Greets people. Use when asked to greet. (skills/greeter/SKILL.md)');

    const [cat, readSkill, hello, write, writeReadOnly] = toolResults(events);
    expect(textOf(cat!)).toContain('seeded fact\nreference text\n');
    expect(textOf(cat!)).toContain('seed.md');
    expect(readSkill).toMatchObject({ is_error: false });
    expect(textOf(readSkill!)).toContain('Run scripts/hello.sh.');
    expect(textOf(hello!)).toContain('hello from the skill');
    expect(write).toMatchObject({ is_error: false });
    expect(writeReadOnly).toMatchObject({ is_error: true });

    // The worker syncs the new file back when it lets go of the session.
    const learned = await until('the learned memory to reach the store', async () => {
      const all = (await stores.memories.list(notes.id, { view: 'full' })).data;
      return all.find((m): m is Extract<typeof m, { type: 'memory' }> => m.type === 'memory' && m.path === '/notes/learned.md');
    }, 60_000);
    expect(learned).toMatchObject({ type: 'memory', content: 'the user likes tea\n' });
    const versions = (await stores.memoryVersions.list(notes.id, { memory_id: learned.id })).data;
    expect(versions.map((v) => [v.operation, v.created_by])).toEqual([['created', { type: 'session_actor', session_id: session.id }]]);
    expect((await stores.memoryVersions.list(notes.id, { session_id: session.id })).data.map((v) => v.id)).toEqual([versions[0]!.id]);
    // The read-only store is unchanged: one version, the seed.
    const refs = (await stores.memories.list(reference.id, { view: 'full' })).data;
    expect(refs.map((m) => [m.path, m.type === 'memory' ? m.content : ''])).toEqual([['/ref.md', 'reference text\n']]);
    expect((await stores.memoryVersions.list(reference.id)).data).toHaveLength(1);
    // The worker cleaned up after itself on the host (its skill folder) and ran in its own /mnt.
    await until('the worker to release the session', async () => (fs.existsSync(path.join(workdir, 'skills', 'greeter')) ? undefined : true));
    expect(fs.existsSync('/mnt/memory/worker-notes')).toBe(false);

    killGroup(worker, 'SIGTERM');
    await worker.exited;
  });
});

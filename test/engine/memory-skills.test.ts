// Memory stores and skills in a cloud session's sandbox, driven by the scripted model: both stores
// are mounted under /mnt/memory and described in the system prompt; what the agent writes with
// write and bash in the read-write store reaches the store as session_actor versions by the end of
// each tool call; the read-only store refuses writes and stays unchanged; skills uploaded from a
// folder and from a zip are listed by name and description only, and their files are read-only
// under /workspace/skills, where the agent reads SKILL.md with its tools.
import { toFile } from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { createEnvironment } from '../helpers/fixtures.js';
import { bash, runTools } from '../helpers/sandbox.js';
import { folderFiles, makeZip, skillMd } from '../helpers/skills.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';

const SANDBOX_ENV: Record<string, string> = process.env.AGENTD_SANDBOX ? { AGENTD_SANDBOX: process.env.AGENTD_SANDBOX } : {};

const GREETER_BODY = '# Greeter\n\nSay hello in the user\'s language, then run nothing else.\n';

// Without the sandbox (AGENTD_SANDBOX=none) bash would reach the host's real /mnt.
describe.skipIf(process.env.AGENTD_SANDBOX === 'none').each(dialects())('memory stores and skills in a session (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake, env: SANDBOX_ENV }));

  it('mounts both stores and both skills, saves the agent’s writes as versions, and keeps read-only things read-only', async () => {
    const stores = t.client.beta.memoryStores;
    const notes = await stores.create({ name: 'Team Notes', description: 'What the team decided.' });
    const seed = await stores.memories.create(notes.id, { path: '/notes/seed.md', content: 'use tabs\n' });
    const reference = await stores.create({ name: 'Reference', description: 'House style.' });
    await stores.memories.create(reference.id, { path: '/style.md', content: 'be brief\n' });
    const greeter = await t.client.beta.skills.create({
      files: await folderFiles({ 'greeter/SKILL.md': skillMd('greeter', 'Greets people. Use when asked to greet.', GREETER_BODY) }),
    });
    const zipped = await t.client.beta.skills.create({
      files: [
        await toFile(
          await makeZip({
            'data-tool/SKILL.md': skillMd('data-tool', 'Counts rows of CSV files.', '# Data tool\n\nRun bin/count.sh FILE.\n'),
            'data-tool/bin/count.sh': { content: '#!/bin/sh\nwc -l < "$1"\n', mode: 0o100755 },
          }),
          'data-tool.zip',
        ),
      ],
    });
    const agent = await t.client.beta.agents.create({
      name: 'remembering',
      model: 'claude-sonnet-4-6',
      system: 'You are careful.',
      tools: [{ type: 'agent_toolset_20260401' }],
      skills: [
        { type: 'custom', skill_id: greeter.id },
        { type: 'custom', skill_id: zipped.id },
      ],
    });
    const env = await createEnvironment(t.client);
    const session = await t.client.beta.sessions.create({
      agent: agent.id,
      environment_id: env.id,
      resources: [
        { type: 'memory_store', memory_store_id: notes.id, instructions: 'Record decisions here.' },
        { type: 'memory_store', memory_store_id: reference.id, access: 'read_only' },
      ],
    });

    const results = await runTools(t, fake, session.id, [
      bash('ls /mnt/memory/team-notes/notes /mnt/memory/reference /workspace/skills && cat /mnt/memory/team-notes/notes/seed.md'),
      { name: 'read', input: { file_path: '/mnt/memory/reference/style.md' } },
      { name: 'read', input: { file_path: '/workspace/skills/greeter/SKILL.md' } },
      bash('cat /workspace/skills/data-tool/SKILL.md && printf "a\\nb\\n" > /tmp/x.csv && /workspace/skills/data-tool/bin/count.sh /tmp/x.csv'),
      { name: 'write', input: { file_path: '/mnt/memory/team-notes/notes/decisions.md', content: 'ship on friday\n' } },
      bash('echo "and spaces in yaml" >> /mnt/memory/team-notes/notes/seed.md && rm -f /mnt/memory/team-notes/gone.md'),
      { name: 'write', input: { file_path: '/mnt/memory/reference/style.md', content: 'be verbose\n' } },
      bash('echo x > /mnt/memory/reference/new.md'),
      bash('echo x > /workspace/skills/greeter/extra.md'),
    ]);
    const [listing, readMemory, readSkill, zippedSkill, write, append, writeReadOnly, bashReadOnly, writeSkill] = results;
    expect(listing).toEqual({
      isError: false,
      text: '/mnt/memory/reference:\nstyle.md\n\n/mnt/memory/team-notes/notes:\nseed.md\n\n/workspace/skills:\ndata-tool\ngreeter\nuse tabs',
    });
    expect(readMemory!.isError).toBe(false);
    expect(readMemory!.text).toContain('be brief');
    expect(readSkill!.isError).toBe(false);
    expect(readSkill!.text).toContain("Say hello in the user's language");
    expect(zippedSkill!.text).toContain('Run bin/count.sh FILE.');
    expect(zippedSkill!.text.endsWith('2')).toBe(true);
    expect(write!.isError).toBe(false);
    expect(append!.isError).toBe(false);
    expect(writeReadOnly!.isError).toBe(true);
    expect(bashReadOnly!.text).toContain('Read-only file system');
    expect(writeSkill!.text).toContain('Read-only file system');

    // The system prompt: the agent's own, then one note per kind of mount.
    const system = (fake.requests[0]!.body.system as Array<{ text: string }>).map((b) => b.text);
    expect(system[0]).toBe('You are careful.');
    expect(system[1]).toContain('- /mnt/memory/team-notes (read-write): "Team Notes" — What the team decided.\n  Instructions: Record decisions here.');
    expect(system[1]).toContain('- /mnt/memory/reference (read-only): "Reference" — House style.');
    expect(system[2]).toContain('- greeter: Greets people. Use when asked to greet. (/workspace/skills/greeter/SKILL.md)');
    expect(system[2]).toContain('- data-tool: Counts rows of CSV files. (/workspace/skills/data-tool/SKILL.md)');
    expect(system.join('\n')).not.toContain('Say hello'); // only names and descriptions: SKILL.md is read on demand

    // The read-write store has the agent's changes, each a version by this session.
    const memories = (await stores.memories.list(notes.id, { view: 'full' })).data;
    expect(memories.map((m) => [m.path, m.type === 'memory' ? m.content : ''])).toEqual([
      ['/notes/decisions.md', 'ship on friday\n'],
      ['/notes/seed.md', 'use tabs\nand spaces in yaml\n'],
    ]);
    const byAgent = (await stores.memoryVersions.list(notes.id, { session_id: session.id })).data;
    expect(byAgent.map((v) => [v.operation, v.path])).toEqual([
      ['modified', '/notes/seed.md'],
      ['created', '/notes/decisions.md'],
    ]);
    for (const v of byAgent) expect(v.created_by).toEqual({ type: 'session_actor', session_id: session.id });
    // Saved at the end of the call that wrote it: before its result was recorded.
    const events = (await t.client.beta.sessions.events.list(session.id)).data;
    const resultAt = events.filter((e) => e.type === 'agent.tool_result').map((e) => e.processed_at ?? '');
    const created = byAgent.find((v) => v.operation === 'created')!;
    expect(created.created_at <= resultAt[4]!).toBe(true);
    expect(created.created_at > resultAt[3]!).toBe(true);
    // The read-only store is as it was: one version, the seed.
    expect((await stores.memories.list(reference.id, { view: 'full' })).data.map((m) => (m.type === 'memory' ? m.content : ''))).toEqual([
      'be brief\n',
    ]);
    expect((await stores.memoryVersions.list(reference.id)).data).toHaveLength(1);

    // A change made through the API between turns is what the next call sees; the agent's delete
    // of a memory reaches the store too.
    await stores.memories.update(seed.id, { memory_store_id: notes.id, content: 'use tabs, decided\n' });
    const [reread, removed] = await runTools(t, fake, session.id, [
      bash('cat /mnt/memory/team-notes/notes/seed.md'),
      bash('rm /mnt/memory/team-notes/notes/decisions.md && echo removed'),
    ]);
    expect(reread).toEqual({ isError: false, text: 'use tabs, decided' });
    expect(removed!.isError).toBe(false);
    expect((await stores.memories.list(notes.id)).data.map((m) => m.path)).toEqual(['/notes/seed.md']);
    const deletion = (await stores.memoryVersions.list(notes.id, { operation: 'deleted' })).data;
    expect(deletion.map((v) => [v.path, v.created_by])).toEqual([['/notes/decisions.md', { type: 'session_actor', session_id: session.id }]]);
  });

  it('tells the agent what its store refused, and keeps the rest', async () => {
    const store = await t.client.beta.memoryStores.create({ name: 'Small' });
    const agent = await t.client.beta.agents.create({ name: 'big-writer', model: 'claude-sonnet-4-6', tools: [{ type: 'agent_toolset_20260401' }] });
    const env = await createEnvironment(t.client);
    const session = await t.client.beta.sessions.create({
      agent: agent.id,
      environment_id: env.id,
      resources: [{ type: 'memory_store', memory_store_id: store.id }],
    });
    const [big, binary, fine] = await runTools(t, fake, session.id, [
      bash('head -c 150000 /dev/zero | tr "\\0" a > /mnt/memory/small/big.txt && echo written'),
      bash('printf "\\377\\376" > /mnt/memory/small/blob.bin && echo written'),
      bash('echo ok > /mnt/memory/small/ok.md && echo written'),
    ]);
    expect(big!.text).toContain('written');
    expect(big!.text).toContain('agentd: /mnt/memory/small/big.txt was not saved to memory store "Small"');
    expect(big!.text).toContain('102400');
    expect(binary!.text).toContain('agentd: /mnt/memory/small/blob.bin was not saved to memory store "Small": it is not UTF-8 text');
    // Each refusal is reported once, while the file stays as it is.
    expect(fine).toEqual({ isError: false, text: 'written' });
    const memories = (await t.client.beta.memoryStores.memories.list(store.id)).data;
    expect(memories.map((m) => m.path)).toEqual(['/ok.md']);
  });
});

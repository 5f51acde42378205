// Contract: /v1/skills (skills, versions, download) and skill references on agents and sessions,
// driven through the official SDK, on every dialect.
import { toFile } from '@anthropic-ai/sdk';
import { skillBlobKey } from '../../src/commands/skills/skills.js';
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { expectEnvelope, failure } from '../helpers/errors.js';
import { createEnvironment } from '../helpers/fixtures.js';
import { folderFiles, makeZip, readZip, skillMd, uploadSkill } from '../helpers/skills.js';
import { useServer } from '../helpers/use.js';
import { serverBlobs } from '../helpers/blobs.js';

/** A small limit keeps the oversized cases cheap. */
const MAX_SKILL_BYTES = 64 * 1024;

async function all<T>(page: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of page) out.push(item);
  return out;
}

describe.each(dialects())('skills (%s)', (dialect) => {
  const t = useServer(dialect, { env: { AGENTD_MAX_SKILL_BYTES: String(MAX_SKILL_BYTES) } });
  const skills = () => t.client.beta.skills;
  const download = async (skill_id: string, version: string) =>
    Buffer.from(await (await skills().versions.download(version, { skill_id })).arrayBuffer());

  it('uploads a skill folder, serves its version and downloads it as a zip', async () => {
    const md = skillMd('pdf-tools', 'Fill and merge PDF forms. Use when the user mentions PDFs.');
    const script = 'print("hello")\n';
    const skill = await skills().create({
      display_name: 'PDF tools',
      files: await folderFiles({ 'pdf-tools/SKILL.md': md, 'pdf-tools/scripts/run.py': script }),
    });
    expect(skill).toMatchObject({ type: 'skill', display_name: 'PDF tools', source: { type: 'custom' } });
    expect(skill.id).toMatch(/^skill_/);
    expect(skill.latest_version_id).toMatch(/^\d{16}$/);
    expect(await skills().retrieve(skill.id)).toEqual(skill);

    const latest = await skills().versions.retrieve('latest', { skill_id: skill.id });
    expect(latest).toEqual({
      type: 'skill_version',
      id: skill.latest_version_id,
      skill_id: skill.id,
      name: 'pdf-tools',
      description: 'Fill and merge PDF forms. Use when the user mentions PDFs.',
      created_at: skill.created_at,
    });
    expect(await skills().versions.retrieve(latest.id, { skill_id: skill.id })).toEqual(latest);

    const response = await skills().versions.download(latest.id, { skill_id: skill.id });
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="pdf-tools.zip"');
    const files = await readZip(Buffer.from(await response.arrayBuffer()));
    expect(Object.keys(files).sort()).toEqual(['pdf-tools/SKILL.md', 'pdf-tools/scripts/run.py']);
    expect(files['pdf-tools/SKILL.md']!.content.toString()).toBe(md);
    expect(files['pdf-tools/scripts/run.py']!.content.toString()).toBe(script);
  });

  it('answers a version whose zip is missing with a 404 envelope naming it', async () => {
    const skill = await skills().create({ files: await folderFiles({ 'gone/SKILL.md': skillMd('gone', 'Soon gone.') }) });
    await serverBlobs(t).remove(skillBlobKey(skill.id, skill.latest_version_id!));
    const err = await failure(download(skill.id, skill.latest_version_id!));
    expectEnvelope(err, 404, 'not_found_error');
    expect(err.error.error.message).toContain(`skill ${skill.id} version ${skill.latest_version_id} is missing`);
  });

  it('uploads a zip (name from the front matter, executable bits kept), and directories named otherwise', async () => {
    const md = skillMd('data-cleaner', 'Clean CSV files.');
    const zip = await makeZip(
      { 'cleaner-v2/SKILL.md': md, 'cleaner-v2/bin/clean.sh': { content: '#!/bin/sh\necho clean\n', mode: 0o100755 } },
      ['cleaner-v2/', 'cleaner-v2/bin/'],
    );
    const skill = await skills().create({ files: [await toFile(zip, 'cleaner.zip')] });
    expect(skill.display_name).toBe('data-cleaner');
    const files = await readZip(await download(skill.id, 'latest'));
    // Stored under the skill's name, whatever the uploaded directory was called.
    expect(Object.keys(files).sort()).toEqual(['data-cleaner/SKILL.md', 'data-cleaner/bin/clean.sh']);
    expect(files['data-cleaner/bin/clean.sh']!.mode).toBe(0o755);
    expect(files['data-cleaner/SKILL.md']!.mode).toBe(0o644);

    // Without a name in the front matter, the directory names the skill.
    const unnamed = await skills().create({ files: await folderFiles({ 'my-notes/SKILL.md': skillMd(undefined, 'Notes.') }) });
    expect((await skills().versions.retrieve('latest', { skill_id: unnamed.id })).name).toBe('my-notes');
  });

  it('adds, lists, retrieves and deletes versions; the latest follows', async () => {
    const skill = await uploadSkill(t.client, 'versioned', 'First description.');
    const v1 = skill.latest_version_id;
    const v2 = await skills().versions.create(skill.id, {
      files: await folderFiles({ 'versioned/SKILL.md': skillMd('versioned', 'Second description.') }),
    });
    expect(v2).toMatchObject({ type: 'skill_version', skill_id: skill.id, name: 'versioned', description: 'Second description.' });
    expect(BigInt(v2.id) > BigInt(v1)).toBe(true);
    expect((await skills().retrieve(skill.id)).latest_version_id).toBe(v2.id);
    const v3 = await skills().versions.create(skill.id, {
      files: [await toFile(await makeZip({ 'versioned/SKILL.md': skillMd('versioned', 'Third.') }), 'v3.zip')],
    });
    expect((await all(skills().versions.list(skill.id, { limit: 1 }))).map((v) => v.id)).toEqual([v3.id, v2.id, v1]);

    const renamed = await failure(
      skills().versions.create(skill.id, { files: await folderFiles({ 'other/SKILL.md': skillMd('other', 'x') }) }),
    );
    expectEnvelope(renamed, 400, 'invalid_request_error');
    expect(renamed.error.error.message).toContain('never changes');

    expect(await skills().versions.delete(v3.id, { skill_id: skill.id })).toEqual({ id: v3.id, type: 'skill_version_deleted' });
    expect((await skills().retrieve(skill.id)).latest_version_id).toBe(v2.id);
    expect((await skills().versions.retrieve('latest', { skill_id: skill.id })).description).toBe('Second description.');
    await skills().versions.delete(v1, { skill_id: skill.id });
    expectEnvelope(await failure(skills().versions.retrieve(v1, { skill_id: skill.id })), 404, 'not_found_error');
    expectEnvelope(await failure(download(skill.id, v1)), 404, 'not_found_error');
    const last = await failure(skills().versions.delete(v2.id, { skill_id: skill.id }));
    expectEnvelope(last, 409, 'invalid_request_error');
    expect(last.error.error.message).toContain('delete the skill instead');
  });

  it('lists skills newest first, filters by source, and deletes a skill with its versions', async () => {
    const a = await uploadSkill(t.client, 'list-a');
    const b = await uploadSkill(t.client, 'list-b');
    const listed = (await all(skills().list({ limit: 1 }))).map((s) => s.id);
    expect(listed.indexOf(b.id)).toBeLessThan(listed.indexOf(a.id));
    expect((await all(skills().list({ source: 'custom' }))).map((s) => s.id)).toEqual(listed);
    expect(await all(skills().list({ source: 'anthropic' }))).toEqual([]);
    expectEnvelope(await failure(skills().list({ source: 'plugin' })), 400, 'invalid_request_error');

    expect(await skills().delete(a.id)).toEqual({ id: a.id, type: 'skill_deleted' });
    expectEnvelope(await failure(skills().retrieve(a.id)), 404, 'not_found_error');
    expectEnvelope(await failure(skills().versions.list(a.id)), 404, 'not_found_error');
    expectEnvelope(await failure(download(a.id, a.latest_version_id)), 404, 'not_found_error');
    expect((await all(skills().list())).map((s) => s.id)).not.toContain(a.id);
  });

  it('refuses bad uploads with a 400 that stores nothing', async () => {
    const good = skillMd('ok-skill', 'Fine.');
    const traversal = async () => {
      // yazl refuses to write "..", so write a same-length name and patch it in.
      const zip = await makeZip({ 'ok-skill/SKILL.md': good, 'ok-skill/aa/evil.md': 'x' });
      return Buffer.from(zip.toString('latin1').replaceAll('ok-skill/aa/', 'ok-skill/../'), 'latin1');
    };
    const bomb = await makeZip({ 'ok-skill/SKILL.md': good, 'ok-skill/zeros.bin': Buffer.alloc(1024 * 1024) });
    expect(bomb.length).toBeLessThan(MAX_SKILL_BYTES); // small on the wire, large unpacked
    const cases: Array<[string, () => Promise<Array<Awaited<ReturnType<typeof toFile>>>>, RegExp]> = [
      ['no SKILL.md', () => folderFiles({ 'ok-skill/README.md': 'x' }), /SKILL\.md is missing/],
      ['two top-level directories', () => folderFiles({ 'ok-skill/SKILL.md': good, 'other/x.md': 'x' }), /one top-level directory/],
      ['files at the root', () => folderFiles({ 'SKILL.md': good }), /one top-level directory/],
      ['no front matter', () => folderFiles({ 'ok-skill/SKILL.md': '# Just markdown' }), /front matter/],
      ['bad YAML', () => folderFiles({ 'ok-skill/SKILL.md': '---\nname: [unclosed\n---\n' }), /not valid YAML/],
      ['no description', () => folderFiles({ 'ok-skill/SKILL.md': '---\nname: ok-skill\n---\n' }), /description/],
      ['long description', () => folderFiles({ 'ok-skill/SKILL.md': skillMd('ok-skill', 'd'.repeat(1025)) }), /1024/],
      ['XML in description', () => folderFiles({ 'ok-skill/SKILL.md': skillMd('ok-skill', 'use <tool>x</tool>') }), /XML/],
      ['uppercase name', () => folderFiles({ 'ok-skill/SKILL.md': skillMd('OkSkill', 'x') }), /lowercase/],
      ['reserved word', () => folderFiles({ 'ok-skill/SKILL.md': skillMd('claude-helper', 'x') }), /reserved word "claude"/],
      ['long name', () => folderFiles({ 'ok-skill/SKILL.md': skillMd('n'.repeat(65), 'x') }), /1 to 64/],
      ['not UTF-8', () => folderFiles({ 'ok-skill/SKILL.md': Buffer.from([0x2d, 0x2d, 0x2d, 0x0a, 0xff, 0xfe]) }), /UTF-8/],
      ['traversal in a filename', () => folderFiles({ 'ok-skill/SKILL.md': good, 'ok-skill/../../etc/x': 'x' }), /path traversal/],
      ['absolute filename', () => folderFiles({ '/ok-skill/SKILL.md': good }), /absolute/],
      ['traversal in a zip', async () => [await toFile(await traversal(), 's.zip')], /malformed or unsafe/],
      [
        'symlink in a zip',
        async () => [await toFile(await makeZip({ 'ok-skill/SKILL.md': good, 'ok-skill/link': { content: '/etc/passwd', mode: 0o120777 } }), 's.zip')],
        /symbolic link/,
      ],
      ['corrupt zip', async () => [await toFile(Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(64, 7)]), 's.zip')], /zip/],
      ['zip bomb', async () => [await toFile(bomb, 's.zip')], /unpacks to more/],
      ['oversized upload', () => folderFiles({ 'ok-skill/SKILL.md': good, 'ok-skill/big.bin': Buffer.alloc(MAX_SKILL_BYTES + 1) }), /larger than 65536/],
      ['no files', async () => [], /files/],
    ];
    const before = (await all(skills().list())).length;
    for (const [what, files, message] of cases) {
      const err = await failure(skills().create({ files: await files() }));
      expectEnvelope(err, 400, 'invalid_request_error');
      expect(err.error.error.message, what).toMatch(message);
    }
    const form = await failure(skills().create({ files: await folderFiles({ 'ok-skill/SKILL.md': good }), extra: 'x' } as never));
    expectEnvelope(form, 400, 'invalid_request_error');
    expect(form.error.error.message).toContain('extra');
    const json = await failure(t.client.post('/v1/skills', { body: { files: [] } }));
    expectEnvelope(json, 400, 'invalid_request_error');
    expect(json.error.error.message).toContain('multipart');
    const longTitle = await failure(skills().create({ display_name: 't'.repeat(256), files: await folderFiles({ 'ok-skill/SKILL.md': good }) }));
    expect(longTitle.error.error.message).toContain('display_name');
    expect((await all(skills().list())).length).toBe(before);
  });

  it('validates skill references on agents and at session creation', async () => {
    const alpha = await uploadSkill(t.client, 'ref-alpha');
    const beta = await uploadSkill(t.client, 'ref-beta');
    const agent = await t.client.beta.agents.create({
      name: 'skilled',
      model: 'claude-sonnet-4-6',
      skills: [
        { type: 'custom', skill_id: alpha.id },
        { type: 'custom', skill_id: beta.id, version: beta.latest_version_id },
      ],
    });
    expect(agent.skills).toEqual([
      { type: 'custom', skill_id: alpha.id, version: 'latest' },
      { type: 'custom', skill_id: beta.id, version: beta.latest_version_id },
    ]);

    const sameName = await skills().create({ files: await folderFiles({ 'x/SKILL.md': skillMd('ref-alpha', 'Impostor.') }) });
    const bad: Array<[unknown, string]> = [
      [[{ type: 'custom', skill_id: 'skill_missing' }], 'skills[0].skill_id'],
      [[{ type: 'custom', skill_id: alpha.id, version: '123' }], 'skills[0].version'],
      [[{ type: 'anthropic', skill_id: 'xlsx' }], 'skills[0].type'],
      [[{ type: 'custom', skill_id: alpha.id }, { type: 'custom', skill_id: alpha.id }], 'skills[1].skill_id'],
      [[{ type: 'custom', skill_id: alpha.id }, { type: 'custom', skill_id: sameName.id }], 'skills[1].skill_id'],
    ];
    for (const [list, field] of bad) {
      const created = await failure(t.client.beta.agents.create({ name: 'x', model: 'claude-sonnet-4-6', skills: list as never }));
      expectEnvelope(created, 400, 'invalid_request_error');
      expect(created.error.error.message).toContain(`${field}:`);
      const updated = await failure(t.client.beta.agents.update(agent.id, { version: agent.version, skills: list as never }));
      expectEnvelope(updated, 400, 'invalid_request_error');
      expect(updated.error.error.message).toContain(`${field}:`);
    }
    expect((await t.client.beta.agents.retrieve(agent.id)).version).toBe(agent.version);

    const env = await createEnvironment(t.client, { config: { type: 'self_hosted' } });
    // A session runs with the versions its skills resolve to when it starts ("latest" pinned).
    const first = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    expect(first.agent.skills).toEqual([
      { type: 'custom', skill_id: alpha.id, version: alpha.latest_version_id },
      { type: 'custom', skill_id: beta.id, version: beta.latest_version_id },
    ]);
    const alpha2 = await skills().versions.create(alpha.id, {
      files: await folderFiles({ 'ref-alpha/SKILL.md': skillMd('ref-alpha', 'Newer.') }),
    });
    const second = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    expect(second.agent.skills[0]).toEqual({ type: 'custom', skill_id: alpha.id, version: alpha2.id });
    expect((await t.client.beta.sessions.retrieve(first.id)).agent.skills[0]!.version).toBe(alpha.latest_version_id);
    expect((await t.client.beta.agents.retrieve(agent.id)).skills[0]!.version).toBe('latest');
    const overridden = await failure(
      t.client.beta.sessions.create({
        agent: { type: 'agent_with_overrides', id: agent.id, skills: [{ type: 'custom', skill_id: 'skill_missing' }] } as never,
        environment_id: env.id,
      }),
    );
    expect(overridden.error.error.message).toContain('agent.skills[0].skill_id:');
    // A skill deleted after the agent was saved stops new sessions, with a clear error.
    await skills().delete(beta.id);
    const gone = await failure(t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id }));
    expectEnvelope(gone, 400, 'invalid_request_error');
    expect(gone.error.error.message).toContain(`agent.skills[1].skill_id: skill ${beta.id} not found`);
  });
});

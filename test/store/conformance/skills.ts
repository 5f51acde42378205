// Conformance: SkillRepository (round trips, latest version bookkeeping, last version kept, cascade).
import { expect, it } from 'vitest';
import { newId } from '../../../src/api/ids.js';
import { UniqueViolationError } from '../../../src/store/errors.js';
import type { SkillRecord, SkillVersionRecord } from '../../../src/store/skill-types.js';
import type { StoreHarness } from '../conformance.js';
import { at, expectKeysetWalks, sessionRecord, T0, WS } from '../fixtures.js';

function skill(ms = 0): { skill: SkillRecord; version: SkillVersionRecord } {
  const id = newId('skill', T0 + ms);
  const versionId = String((T0 + ms) * 1000);
  return {
    skill: { id, workspaceId: WS, displayName: `Skill ${ms}`, name: `skill-${ms}`, latestVersionId: versionId, createdAt: at(ms), updatedAt: at(ms) },
    version: {
      skillId: id,
      id: versionId,
      name: `skill-${ms}`,
      description: 'Does things.',
      files: [{ path: 'SKILL.md', sizeBytes: 40, executable: false }, { path: 'bin/run', sizeBytes: 9, executable: true }],
      sizeBytes: 49,
      createdAt: at(ms),
    },
  };
}

export function skillConformance(h: StoreHarness): void {
  const repo = () => h.store.skills;

  it('round-trips skills with their first version and lists them', async () => {
    const a = skill(0);
    const b = skill(1000);
    await repo().insert(a.skill, a.version);
    await repo().insert(b.skill, b.version);
    expect(await repo().get(WS, a.skill.id)).toEqual(a.skill);
    expect(await repo().get('wrkspc_other', a.skill.id)).toBeUndefined();
    expect(await repo().getVersion(a.skill.id, a.version.id)).toEqual(a.version);
    await expectKeysetWalks((page) => repo().list(WS, page), (s) => s.id, 'desc', 1, [b.skill.id, a.skill.id]);
  });

  it('adds versions (ids unique per skill), keeps the latest current and never deletes the last one', async () => {
    const a = skill(0);
    await repo().insert(a.skill, a.version);
    const v2 = { ...a.version, id: String(BigInt(a.version.id) + 5n), description: 'Second.', createdAt: at(5) };
    await repo().addVersion(v2, at(5));
    expect(await repo().get(WS, a.skill.id)).toMatchObject({ latestVersionId: v2.id, updatedAt: at(5) });
    await expect(repo().addVersion(v2, at(6))).rejects.toBeInstanceOf(UniqueViolationError);
    await expectKeysetWalks((page) => repo().listVersions(a.skill.id, page), (v) => v.id, 'desc', 1, [v2.id, a.version.id]);

    expect(await repo().deleteVersion(a.skill.id, v2.id, at(7))).toBe(true);
    expect(await repo().get(WS, a.skill.id)).toMatchObject({ latestVersionId: a.version.id });
    expect(await repo().deleteVersion(a.skill.id, a.version.id, at(8))).toBe(false);
    expect(await repo().getVersion(a.skill.id, a.version.id)).toEqual(a.version);

    const deleted = await repo().delete(a.skill.id);
    expect(deleted).toEqual([a.version]);
    expect(await repo().get(WS, a.skill.id)).toBeUndefined();
    expect(await repo().getVersion(a.skill.id, a.version.id)).toBeUndefined();
  });

  it('pins the skill versions of a session, in order, and forgets them with the session', async () => {
    const pins = [
      { skillId: 'skill_b', versionId: '2', name: 'b', description: 'B.' },
      { skillId: 'skill_a', versionId: '1', name: 'a', description: 'A.' },
    ];
    const session = sessionRecord();
    await h.store.sessions.insert(session);
    await repo().pinForSession(session.id, pins);
    await repo().pinForSession('sesn_other', []);
    expect(await repo().pinnedForSession(session.id)).toEqual(pins);
    expect(await repo().pinnedForSession('sesn_other')).toEqual([]);
    await h.store.sessions.delete(session.id);
    expect(await repo().pinnedForSession(session.id)).toEqual([]);
  });
}

// Skill records → the wire `BetaSkill` and `BetaSkillVersion`.
import type { Skill, SkillVersion } from '../../api/skill-wire.js';
import type { SkillRecord, SkillVersionRecord } from '../../store/skill-types.js';

export function presentSkill(s: SkillRecord): Skill {
  return {
    type: 'skill',
    id: s.id,
    display_name: s.displayName,
    latest_version_id: s.latestVersionId,
    source: { type: 'custom' },
    created_at: s.createdAt,
    updated_at: s.updatedAt,
  };
}

export function presentSkillVersion(v: SkillVersionRecord): SkillVersion {
  return {
    type: 'skill_version',
    id: v.id,
    skill_id: v.skillId,
    name: v.name,
    description: v.description,
    created_at: v.createdAt,
  };
}

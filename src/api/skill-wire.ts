// Wire types of skills and skill versions, re-exported from the pinned @anthropic-ai/sdk.
export type {
  BetaSkill as Skill,
  BetaDeletedSkill as DeletedSkill,
} from '@anthropic-ai/sdk/resources/beta/skills/skills.js';
export type {
  BetaSkillVersion as SkillVersion,
  BetaDeletedSkillVersion as DeletedSkillVersion,
} from '@anthropic-ai/sdk/resources/beta/skills/versions.js';

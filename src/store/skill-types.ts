// The repository of skills (the records belong to the domain: domain/records/skill.ts; each
// version's files are one normalised zip in the blob store).
import type { PinnedSkill, SkillRecord, SkillVersionRecord } from '../domain/records/skill.js';
import type { Page, PageRequest } from './page.js';

export type { PinnedSkill, SkillFileEntry, SkillRecord, SkillVersionRecord } from '../domain/records/skill.js';

export interface SkillRepository {
  /** Inserts a skill with its first version. */
  insert(skill: SkillRecord, version: SkillVersionRecord): Promise<void>;
  get(workspaceId: string, id: string): Promise<SkillRecord | undefined>;
  list(workspaceId: string, page: PageRequest): Promise<Page<SkillRecord>>;
  /** Deletes the skill and its versions; returns the versions that were deleted. */
  delete(id: string): Promise<SkillVersionRecord[]>;
  /** Adds a version and makes it the latest; throws UniqueViolationError if its id is taken. */
  addVersion(version: SkillVersionRecord, at: string): Promise<void>;
  getVersion(skillId: string, id: string): Promise<SkillVersionRecord | undefined>;
  listVersions(skillId: string, page: PageRequest): Promise<Page<SkillVersionRecord>>;
  /**
   * Deletes one version (the newest remaining one becomes the latest); false, deleting nothing,
   * when it is the skill's only version or does not exist.
   */
  deleteVersion(skillId: string, id: string, at: string): Promise<boolean>;
  /** Records the skill versions a new session runs with, in the agent's order. */
  pinForSession(sessionId: string, skills: readonly PinnedSkill[]): Promise<void>;
  pinnedForSession(sessionId: string): Promise<PinnedSkill[]>;
}

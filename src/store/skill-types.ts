// Store records and the repository of skills: custom skills and their immutable versions (the
// files themselves live in the blob store, one normalised zip per version).
import type { Page, PageRequest } from './types.js';

export interface SkillRecord {
  id: string;
  workspaceId: string;
  displayName: string;
  /** The immutable slug from the first upload's SKILL.md; every version's `name`. */
  name: string;
  latestVersionId: string;
  createdAt: string;
  updatedAt: string;
}

export interface SkillFileEntry {
  /** Relative to the skill's directory, `/`-separated (e.g. `SKILL.md`, `scripts/run.py`). */
  path: string;
  sizeBytes: number;
  executable: boolean;
}

export interface SkillVersionRecord {
  skillId: string;
  /** Microseconds since the epoch at upload, as a string: unique per skill, sorts by age. */
  id: string;
  name: string;
  description: string;
  files: SkillFileEntry[];
  /** Total uncompressed size of the files. */
  sizeBytes: number;
  createdAt: string;
}

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
}

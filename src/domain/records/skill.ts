// Skill records: custom skills and their immutable versions (the files live in the blob store).
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


/** A skill version a session runs with: resolved when the session is created, fixed for its life. */
export interface PinnedSkill {
  skillId: string;
  versionId: string;
  name: string;
  description: string;
}

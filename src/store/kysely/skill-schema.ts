// Table shapes of skills (migration 071).
export interface SkillsTable {
  id: string;
  workspace_id: string;
  display_name: string;
  name: string;
  latest_version_id: string;
  created_at: string;
  updated_at: string;
}

export interface SkillVersionsTable {
  skill_id: string;
  id: string;
  name: string;
  description: string;
  files: string;
  size_bytes: number;
  created_at: string;
}

export interface SessionSkillsTable {
  session_id: string;
  position: number;
  skill_id: string;
  version_id: string;
  name: string;
  description: string;
}

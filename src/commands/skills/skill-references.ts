// The skills an agent (or a session's agent override) references: custom skills that exist in
// the workspace, at a version that exists, each once and with distinct names (they are mounted
// by name). agentd has no Anthropic-published skills, so `type: "anthropic"` is refused.
import type { Agent, SessionAgent } from '../../api/wire.js';
import { invalidRequest } from '../../errors.js';
import type { SkillVersionRecord } from '../../store/skill-types.js';
import type { Store } from '../../store/types.js';
import { LATEST } from './skills.js';

/** Resolves every reference to its version (latest → the newest), or throws a 400 naming it. */
export async function resolveSkillReferences(
  store: Store,
  workspaceId: string,
  skills: Agent['skills'],
  field: string,
): Promise<SkillVersionRecord[]> {
  const resolved: SkillVersionRecord[] = [];
  const byName = new Map<string, string>();
  for (const [i, ref] of skills.entries()) {
    const at = `${field}[${i}]`;
    if (ref.type === 'anthropic') {
      throw invalidRequest(
        `${at}.type: Anthropic's pre-built skills ("${ref.skill_id}") are not available on agentd; upload the skill with POST /v1/skills and reference it as {type: "custom", skill_id}`,
      );
    }
    const skill = await store.skills.get(workspaceId, ref.skill_id);
    if (!skill) throw invalidRequest(`${at}.skill_id: skill ${ref.skill_id} not found`);
    if (resolved.some((v) => v.skillId === skill.id)) throw invalidRequest(`${at}.skill_id: skill ${skill.id} is listed twice`);
    const versionId = ref.version === LATEST ? skill.latestVersionId : ref.version;
    const version = await store.skills.getVersion(skill.id, versionId);
    if (!version) throw invalidRequest(`${at}.version: skill ${skill.id} has no version ${ref.version}`);
    const clash = byName.get(version.name);
    if (clash !== undefined) {
      throw invalidRequest(`${at}.skill_id: skills ${clash} and ${skill.id} are both named "${version.name}"; an agent's skills are mounted by name, so their names must differ`);
    }
    byName.set(version.name, skill.id);
    resolved.push(version);
  }
  return resolved;
}

/** The session's agent with each skill at the version it resolved to (what its workers download). */
export function pinSkillVersions(agent: SessionAgent, versions: readonly SkillVersionRecord[]): SessionAgent {
  return { ...agent, skills: versions.map((v) => ({ type: 'custom' as const, skill_id: v.skillId, version: v.id })) };
}

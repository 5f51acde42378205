// What a self-hosted worker's session token may do with skills: read and download the versions
// of the skills its session's agent uses (the SDK worker downloads them into its workdir).
import type { FastifyRequest } from 'fastify';
import { forbidden } from '../../errors.js';
import type { Store } from '../../store/types.js';

export async function checkWorkerSkillAccess(store: Store, req: FastifyRequest): Promise<void> {
  const p = req.principal;
  if (p.kind !== 'work_token') return;
  if (!p.current) {
    throw forbidden(`work item ${p.workId} has stopped or was handed to another poll: this session token no longer serves its session`);
  }
  const skillId = (req.params as { skill_id?: string }).skill_id;
  const session = await store.sessions.find(p.sessionId);
  if (skillId === undefined || !session?.agent.skills.some((s) => s.type === 'custom' && s.skill_id === skillId)) {
    throw forbidden(`this session token reaches only the skills of session ${p.sessionId}'s agent`);
  }
}

// What a self-hosted worker's session token may do beyond its session's events: read the memory
// stores its session mounts (write those mounted read_write) and download the skills of its
// session's agent — what the SDK's EnvironmentWorker syncs and downloads. API keys pass.
import type { FastifyRequest } from 'fastify';
import { forbidden } from '../../errors.js';
import type { SessionRecord, Store } from '../../store/types.js';

const READ_METHODS = new Set(['GET', 'HEAD']);

/** The session a current work token serves, or undefined for any other principal. */
async function workerSession(store: Store, req: FastifyRequest): Promise<{ id: string; session: SessionRecord | undefined } | undefined> {
  const p = req.principal;
  if (p.kind !== 'work_token') return undefined;
  if (!p.current) {
    throw forbidden(`work item ${p.workId} has stopped or was handed to another poll: this session token no longer serves its session`);
  }
  return { id: p.sessionId, session: await store.sessions.find(p.sessionId) };
}

export async function checkWorkerMemoryAccess(store: Store, req: FastifyRequest): Promise<void> {
  const worker = await workerSession(store, req);
  if (!worker) return;
  const storeId = (req.params as { memory_store_id?: string }).memory_store_id;
  const mount = worker.session?.resources.find((r) => r.resource.type === 'memory_store' && r.resource.memory_store_id === storeId);
  if (storeId === undefined || !mount || mount.resource.type !== 'memory_store') {
    throw forbidden(`this session token reaches only the memory stores that session ${worker.id} mounts`);
  }
  if (!READ_METHODS.has(req.method) && mount.resource.access === 'read_only') {
    throw forbidden(`memory store ${storeId} is mounted read_only in session ${worker.id}`);
  }
}

export async function checkWorkerSkillAccess(store: Store, req: FastifyRequest): Promise<void> {
  const worker = await workerSession(store, req);
  if (!worker) return;
  const skillId = (req.params as { skill_id?: string }).skill_id;
  if (skillId === undefined || !worker.session?.agent.skills.some((s) => s.type === 'custom' && s.skill_id === skillId)) {
    throw forbidden(`this session token reaches only the skills of session ${worker.id}'s agent`);
  }
}

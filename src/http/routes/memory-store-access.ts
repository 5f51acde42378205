// What a self-hosted worker's session token may do with memory stores: read the stores its
// session mounts, and write those mounted read_write (the SDK worker syncs its mount folders).
import type { FastifyRequest } from 'fastify';
import { forbidden } from '../../errors.js';
import type { Store } from '../../store/types.js';

const READ_METHODS = new Set(['GET', 'HEAD']);

export async function checkWorkerMemoryAccess(store: Store, req: FastifyRequest): Promise<void> {
  const p = req.principal;
  if (p.kind !== 'work_token') return;
  if (!p.current) {
    throw forbidden(`work item ${p.workId} has stopped or was handed to another poll: this session token no longer serves its session`);
  }
  const storeId = (req.params as { memory_store_id?: string }).memory_store_id;
  const session = await store.sessions.find(p.sessionId);
  const mount = session?.resources.find((r) => r.resource.type === 'memory_store' && r.resource.memory_store_id === storeId);
  if (storeId === undefined || !mount || mount.resource.type !== 'memory_store') {
    throw forbidden(`this session token reaches only the memory stores that session ${p.sessionId} mounts`);
  }
  if (!READ_METHODS.has(req.method) && mount.resource.access === 'read_only') {
    throw forbidden(`memory store ${storeId} is mounted read_only in session ${p.sessionId}`);
  }
}

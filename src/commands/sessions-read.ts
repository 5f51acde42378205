// Looking sessions up (shared by every session and event use case).
import { notFound } from '../errors.js';
import type { SessionRecord, Store } from '../store/types.js';

export async function getSession(store: Store, workspaceId: string, id: string): Promise<SessionRecord> {
  const session = await store.sessions.get(workspaceId, id);
  if (!session) throw notFound(`session ${id} not found`);
  return session;
}

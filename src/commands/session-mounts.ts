// A session's memory stores and skills: what the system prompt says about them, and placing them
// in the session's workspace before its first built-in tool runs here (idempotent: what is already
// there stays). Memory write-back is session-memory-sync.ts.
import type { MemoryStoreResource } from '../api/memory-wire.js';
import { memoryNote, skillsNote } from '../domain/mount-notes.js';
import { AGENT_SKILLS_DIR } from '../sandbox/session-layout.js';
import { emptyMemoryIndex } from '../sandbox/workspace/memory-directory.js';
import type { EnvironmentRecord, SessionRecord, Store } from '../store/types.js';
import { MEMORIES_PER_STORE_MAX } from './memory-stores/memories.js';
import { skillBlobKey } from './skills/skills.js';
import { memoryResources, relOf, syncMemoryStore, type SessionMountsDeps } from './session-memory-sync.js';

/**
 * The system prompt's notes. Skills are where the agent's tools find them: /workspace/skills in a
 * cloud sandbox, `skills/` under the working directory of a self-hosted worker (as its SDK puts them).
 */
export async function mountNotes(deps: Pick<SessionMountsDeps, 'store'>, session: SessionRecord, environment: EnvironmentRecord): Promise<string[]> {
  const skillsRoot = environment.config.type === 'self_hosted' ? 'skills' : AGENT_SKILLS_DIR;
  const pinned = session.agent.skills.length > 0 ? await deps.store.skills.pinnedForSession(session.id) : [];
  const notes = [
    memoryNote(memoryResources(session)),
    skillsNote(pinned.map((s) => ({ name: s.name, description: s.description, skillMd: `${skillsRoot}/${s.name}/SKILL.md` }))),
  ];
  return notes.filter((n): n is string => n !== undefined);
}

/** Writes a store's memories into its directory in the session, unless they are there already. */
async function placeMemoryStore(deps: SessionMountsDeps, session: SessionRecord, r: MemoryStoreResource): Promise<string[] | undefined> {
  const dir = deps.workspaces.memory(session.id, r.memory_store_id);
  if (await dir.index()) return undefined; // placed before: synced instead
  const revision = await deps.store.memoryStores.writeRevision(r.memory_store_id);
  if (revision === undefined) {
    await dir.place(new Map(), emptyMemoryIndex(0));
    return [`agentd: memory store ${r.memory_store_id} ("${r.name}") was deleted, so ${r.mount_path} is empty and nothing written there is saved.`];
  }
  // Read after the revision: a write in between only makes the first sync look again.
  const memories = await deps.store.memoryStores.scanMemories(r.memory_store_id, {
    prefix: '/',
    orderBy: 'path',
    order: 'asc',
    limit: MEMORIES_PER_STORE_MAX + 1,
    withContent: true,
  });
  const index = emptyMemoryIndex(revision);
  const files = new Map<string, string>();
  for (const m of memories) {
    files.set(relOf(m.path), m.content ?? '');
    index.baseline[relOf(m.path)] = m.contentSha256;
  }
  await dir.place(files, index);
  return [];
}

/** Unpacks the session's pinned skill versions that are not in its workspace yet. */
async function placeSkills(deps: SessionMountsDeps, session: SessionRecord): Promise<string[]> {
  if (session.agent.skills.length === 0) return [];
  const notes: string[] = [];
  for (const skill of await deps.store.skills.pinnedForSession(session.id)) {
    const version = await deps.store.skills.getVersion(skill.skillId, skill.versionId);
    if (!version) {
      notes.push(`agentd: skill ${skill.name} (version ${skill.versionId}) was deleted after this session started, so ${AGENT_SKILLS_DIR}/${skill.name} is missing.`);
      continue;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of deps.blobs.read(skillBlobKey(skill.skillId, skill.versionId))) chunks.push(chunk as Buffer);
    await deps.workspaces.placeSkill(session.id, skill.name, Buffer.concat(chunks));
  }
  return notes;
}

/**
 * Before a built-in tool runs in a cloud sandbox: memory stores and skills are in place, and the
 * stores' directories up to date (changes made through the API since the last call are pulled, so
 * the tool sees them). Returns notes for the agent; never throws (a failure is logged and noted).
 */
export async function prepareMounts(deps: SessionMountsDeps, session: SessionRecord): Promise<string[]> {
  const notes: string[] = [];
  for (const r of memoryResources(session)) {
    try {
      const placed = await placeMemoryStore(deps, session, r);
      notes.push(...(placed ?? (await syncMemoryStore(deps, session, r))));
    } catch (err) {
      deps.logger.error({ err, session_id: session.id, memory_store_id: r.memory_store_id }, 'memory store could not be mounted');
      notes.push(`agentd: memory store "${r.name}" could not be mounted at ${r.mount_path} (a server error, logged).`);
    }
  }
  try {
    notes.push(...(await placeSkills(deps, session)));
  } catch (err) {
    deps.logger.error({ err, session_id: session.id }, 'skills could not be unpacked');
    notes.push(`agentd: the session's skills could not be unpacked into ${AGENT_SKILLS_DIR} (a server error, logged).`);
  }
  return notes;
}

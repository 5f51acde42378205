// prepareWorkspace: the replica that runs a session materialises its file and repository
// resources in its own copy of the workspace (file bytes from the shared blob store, clones with
// the current, possibly rotated, token), and records what it holds (Workspaces.prepared). Only the
// engine calls it, so the replica that took the request never needs the disk the session runs on.
// The prepare_workspace step restores a newer workspace snapshot first; the restore drops the record,
// so what the snapshot brought back is adopted (below) and only resources added since are placed.
import type { Logger } from '../logger.js';
import type { SessionResource } from '../api/wire.js';
import { isMountable, planMounts, type MountFailure, type Mountable } from '../domain/workspace-mounts.js';
import type { PreparedRecord } from '../sandbox/workspace/workspaces.js';
import { GitFailure } from '../sandbox/resources/clone-repository.js';
import type { SessionRecord } from '../store/types.js';
import type { CommandContext } from './context.js';

export type PrepareWorkspaceDeps = Pick<CommandContext, 'workspaces' | 'blobs'> & { logger: Logger };

const tokenOf = (session: SessionRecord, id: string) =>
  session.resources.find((r) => 'id' in r.resource && r.resource.id === id)?.secret?.authorization_token;

/**
 * Places what this machine lacks and removes what was detached; returns the ids placed and the
 * resources that could not be placed (a repository git refused, a file whose bytes could not be
 * written), secrets removed.
 */
export async function prepareWorkspace(
  deps: PrepareWorkspaceDeps,
  session: SessionRecord,
  failed: ReadonlyMap<string, string>,
  signal?: AbortSignal,
): Promise<{ placed: string[]; failures: MountFailure[] }> {
  const resources = session.resources.map((r) => r.resource);
  let record = await deps.workspaces.prepared(session.id);
  if (!record) {
    record = await adoptUnrecorded(deps, session.id, resources);
    await deps.workspaces.savePrepared(session.id, record);
  }
  const { placed, placing } = record;
  const plan = planMounts(resources, placed, failed);
  for (const at of plan.remove) {
    await deps.workspaces.removeResource(session.id, at);
    placed.delete(at.id);
  }
  if (plan.remove.length > 0) await deps.workspaces.savePrepared(session.id, record);
  const failures: MountFailure[] = [];
  const done: string[] = [];
  for (const r of plan.place) {
    signal?.throwIfAborted();
    const at = { id: r.id, mount_path: r.mount_path };
    // A placement cut short by a crash is ours to redo; anything else at that place (the agent's
    // own files) is never removed: placing there fails instead.
    if (placing.has(r.id)) await deps.workspaces.removeResource(session.id, at);
    placing.set(r.id, r.mount_path);
    await deps.workspaces.savePrepared(session.id, record);
    try {
      if (r.type === 'file') {
        await deps.workspaces.placeFile(session.id, at, () => deps.blobs.read(r.file_id), r.id);
      } else {
        await deps.workspaces.cloneRepository(session.id, at, { url: r.url, token: tokenOf(session, r.id), checkout: r.checkout, field: r.id });
      }
    } catch (err) {
      failures.push(describe(deps, session, r, err));
      continue;
    } finally {
      placing.delete(r.id);
    }
    placed.set(r.id, r.mount_path);
    done.push(r.id);
    await deps.workspaces.savePrepared(session.id, record);
  }
  if (failures.length > 0) await deps.workspaces.savePrepared(session.id, record);
  return { placed: done, failures };
}

/**
 * A copy of the session without a record was made by an older agentd, which placed resources when
 * they were attached: what is at a resource's place is that placement (possibly changed by the
 * agent since), so it is kept and recorded, not made again.
 */
async function adoptUnrecorded(deps: PrepareWorkspaceDeps, sessionId: string, resources: readonly SessionResource[]): Promise<PreparedRecord> {
  const placed = new Map<string, string>();
  for (const r of resources.filter(isMountable)) {
    if (await deps.workspaces.holds(sessionId, r)) placed.set(r.id, r.mount_path);
  }
  return { placed, placing: new Map() };
}

/** What is reported: git's classified failure, or the resource named with why (an ApiError's message; else logged). */
function describe(deps: PrepareWorkspaceDeps, session: SessionRecord, r: Mountable, err: unknown): MountFailure {
  const base = { resourceId: r.id, updatedAt: r.updated_at };
  if (r.type === 'github_repository') {
    if (err instanceof GitFailure) return { ...base, kind: 'repository', url: r.url, type: err.type, message: `resource ${r.id}: ${err.message}` };
    deps.logger.warn({ err, session_id: session.id, resource_id: r.id }, 'repository could not be placed');
    const why = err instanceof Error && 'status' in err ? err.message : 'a server error (logged)';
    return { ...base, kind: 'repository', url: r.url, type: 'repository_clone_error', message: `resource ${r.id}: could not place ${r.url} at ${r.mount_path}: ${why}` };
  }
  deps.logger.warn({ err, session_id: session.id, resource_id: r.id }, 'file resource could not be placed');
  const why = err instanceof Error && 'status' in err ? err.message : 'its bytes could not be read or written (logged)';
  return { ...base, kind: 'file', message: `resource ${r.id} (file ${r.file_id}) could not be mounted at ${r.mount_path}: ${why}` };
}

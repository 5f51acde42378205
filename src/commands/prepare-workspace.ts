// prepareWorkspace: the replica that runs a session materialises its file and repository
// resources in its own copy of the workspace (file bytes from the shared blob store, clones with
// the current, possibly rotated, token), and records what it holds (Workspaces.prepared). Only the
// engine calls it, so the replica that took the request never needs the disk the session runs on.
// A snapshot restore (when there is one) composes in front of it: what it restores is recorded as
// prepared, and this places the rest.
import type { Logger } from '../logger.js';
import { planMounts, type MountFailure, type Mountable } from '../domain/workspace-mounts.js';
import { GitFailure } from '../sandbox/resources/clone-repository.js';
import type { SessionRecord } from '../store/types.js';
import type { CommandContext } from './context.js';

export type PrepareWorkspaceDeps = Pick<CommandContext, 'workspaces' | 'blobs'> & { logger: Logger };

const tokenOf = (session: SessionRecord, id: string) =>
  session.resources.find((r) => 'id' in r.resource && r.resource.id === id)?.secret?.authorization_token;

/**
 * Places what this machine lacks and removes what was detached; returns the resources that could
 * not be placed (a repository git refused, a file whose bytes could not be written), secrets removed.
 */
export async function prepareWorkspace(
  deps: PrepareWorkspaceDeps,
  session: SessionRecord,
  failed: ReadonlyMap<string, string>,
  signal?: AbortSignal,
): Promise<MountFailure[]> {
  const prepared = await deps.workspaces.prepared(session.id);
  const plan = planMounts(session.resources.map((r) => r.resource), prepared, failed);
  for (const at of plan.remove) {
    await deps.workspaces.removeResource(session.id, at);
    prepared.delete(at.id);
  }
  if (plan.remove.length > 0) await deps.workspaces.savePrepared(session.id, prepared);
  const failures: MountFailure[] = [];
  for (const r of plan.place) {
    signal?.throwIfAborted();
    const at = { id: r.id, mount_path: r.mount_path };
    // A copy cut short (a crash mid-clone) leaves a partial tree: start over.
    await deps.workspaces.removeResource(session.id, at);
    try {
      if (r.type === 'file') {
        await deps.workspaces.placeFile(session.id, at, () => deps.blobs.read(r.file_id), r.id);
      } else {
        await deps.workspaces.cloneRepository(session.id, at, { url: r.url, token: tokenOf(session, r.id), checkout: r.checkout, field: r.id });
      }
    } catch (err) {
      failures.push(describe(deps, session, r, err));
      continue;
    }
    prepared.set(r.id, r.mount_path);
    await deps.workspaces.savePrepared(session.id, prepared);
  }
  return failures;
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

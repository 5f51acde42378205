// What a machine must do to its copy of a session's workspace so that it matches the session's
// file and repository resources, and how a resource that cannot be materialised is reported.
// Pure: the engine's preparation (commands/prepare-workspace.ts) applies it.
import type { SessionResource } from '../api/wire.js';
import type { RepositoryErrorType } from './repository-failure.js';

export type Mountable = Extract<SessionResource, { type: 'file' | 'github_repository' }>;

export const isMountable = (r: SessionResource): r is Mountable => r.type === 'file' || r.type === 'github_repository';

export interface MountPlan {
  /** Resources to materialise here, in the session's order. */
  place: Mountable[];
  /** Resources materialised here that the session no longer has (a deleted file resource). */
  remove: { id: string; mount_path: string }[];
}

/**
 * The work left on this machine: resources it has not materialised (unless this turn already
 * reported them failed at their current version), and ones it holds that were detached.
 */
export function planMounts(resources: readonly SessionResource[], prepared: ReadonlyMap<string, string>, failed: ReadonlyMap<string, string>): MountPlan {
  const mountable = resources.filter(isMountable);
  const ids = new Set(mountable.map((r) => r.id));
  return {
    place: mountable.filter((r) => !prepared.has(r.id) && failed.get(r.id) !== r.updated_at),
    remove: [...prepared].filter(([id]) => !ids.has(id)).map(([id, mount_path]) => ({ id, mount_path })),
  };
}

export const hasMountWork = (plan: MountPlan) => plan.place.length > 0 || plan.remove.length > 0;

/** A resource that could not be materialised (message free of secrets). */
export type MountFailure =
  | { kind: 'repository'; resourceId: string; updatedAt: string; url: string; type: RepositoryErrorType; message: string }
  | { kind: 'file'; resourceId: string; updatedAt: string; message: string };

/**
 * A repository that cannot be cloned leaves the session running without it (the SDK's documented
 * `retrying`: it is tried again at the next turn, or at once when its token is rotated). A file
 * that cannot be placed is a terminal error: the session terminates.
 */
export const isTerminal = (f: MountFailure) => f.kind === 'file';

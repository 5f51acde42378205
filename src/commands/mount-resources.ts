// Attaching resources to a session: validate every param first (repositories must answer, without
// being cloned), then make the session's file copies; on any failure everything made is undone.
// Nothing is placed on this machine's disk: the replica that runs the session materialises the
// resources (prepare-workspace.ts), so any replica may take the request.
import type { z } from 'zod';
import { newId } from '../api/ids.js';
import type { sessionResourceParam } from '../api/schemas/session.js';
import { ApiError, invalidRequest } from '../errors.js';
import { checkCheckout, checkRepositoryReachable, checkRepositoryUrl } from '../sandbox/resources/clone-repository.js';
import {
  checkMountPath,
  checkNoOverlap,
  fileDefaultMountPath,
  repositoryDefaultMountPath,
} from '../sandbox/resources/mount-paths.js';
import type { EnvironmentRecord, StoredResource } from '../store/types.js';
import type { CommandContext } from './context.js';
import { copyFileForSession, deleteFile, getReadableFile } from './files.js';

export type ResourceParam = z.infer<typeof sessionResourceParam>;
type MountableParam = Exclude<ResourceParam, { type: 'memory_store' }>;

/** The documented cap on file resources per session. */
export const MAX_FILE_RESOURCES = 999;

const fieldOf = (prefix: string, name: string) => (prefix ? `${prefix}.${name}` : name);

interface Planned {
  param: MountableParam;
  /** Error prefix of this param: `resources[i]` on create, '' on add. */
  field: string;
  mountPath: string;
}

/** Checks every param (and that files exist) before anything is made. */
async function plan(
  ctx: CommandContext,
  workspaceId: string,
  params: readonly ResourceParam[],
  existing: readonly StoredResource[],
  prefixOf: (i: number) => string,
): Promise<Planned[]> {
  const planned: Planned[] = [];
  for (const [i, param] of params.entries()) {
    const field = prefixOf(i);
    if (param.type === 'memory_store') {
      throw invalidRequest(`${fieldOf(field, 'type')}: memory_store resources are not supported by this agentd version yet`);
    }
    let mountPath: string;
    if (param.type === 'file') {
      await getReadableFile(ctx, workspaceId, param.file_id).catch((err: unknown) => {
        throw err instanceof ApiError && err.status === 404 ? invalidRequest(`${fieldOf(field, 'file_id')}: ${err.message}`) : err;
      });
      mountPath = param.mount_path ?? fileDefaultMountPath(param.file_id);
    } else {
      checkRepositoryUrl(param.url, fieldOf(field, 'url'));
      checkCheckout(param.checkout, field);
      mountPath = param.mount_path ?? repositoryDefaultMountPath(param.url, fieldOf(field, 'url'));
    }
    planned.push({ param, field, mountPath: checkMountPath(mountPath, fieldOf(field, 'mount_path')) });
  }
  const files = [...existing.map((r) => r.resource), ...planned.map((p) => p.param)].filter((r) => r.type === 'file').length;
  if (files > MAX_FILE_RESOURCES) throw invalidRequest(`resources: at most ${MAX_FILE_RESOURCES} file resources per session`);
  checkNoOverlap([
    ...existing.flatMap(({ resource: r }) => ('id' in r && r.mount_path ? [{ mountPath: r.mount_path, field: `resource ${r.id}` }] : [])),
    ...planned.map((p) => ({ mountPath: p.mountPath, field: fieldOf(p.field, 'mount_path') })),
  ]);
  return planned;
}

/** Resources made for a session, not yet recorded on it: record them, or `discard` them. */
export interface MountedResources {
  stored: StoredResource[];
  discard(): Promise<void>;
}

/**
 * Makes `params` ready for session `sessionId`: file resources get their session-scoped copy;
 * unless the environment is self-hosted (whose workers mount resources themselves), each
 * repository is asked for its refs (`git ls-remote`, with the token) so an unreachable one, a bad
 * token or a missing branch is a 400 now rather than a session.error later.
 */
export async function mountResources(
  ctx: CommandContext,
  workspaceId: string,
  sessionId: string,
  environment: EnvironmentRecord,
  params: readonly ResourceParam[],
  opts: { existing?: readonly StoredResource[]; prefixOf?: (i: number) => string } = {},
): Promise<MountedResources> {
  const planned = await plan(ctx, workspaceId, params, opts.existing ?? [], opts.prefixOf ?? ((i) => `resources[${i}]`));
  const reachable = environment.config.type !== 'self_hosted';
  const stored: StoredResource[] = [];
  const undo: (() => Promise<unknown>)[] = [];
  const discard = async () => {
    for (const step of undo.reverse()) await step().catch(() => {});
  };
  try {
    for (const { param, field, mountPath } of planned) {
      const id = newId('sesrsc');
      const now = ctx.now();
      if (param.type === 'file') {
        const copy = await copyFileForSession(ctx, workspaceId, param.file_id, sessionId);
        undo.push(() => deleteFile(ctx, workspaceId, copy.id));
        stored.push({ resource: { type: 'file', id, file_id: copy.id, mount_path: mountPath, created_at: now, updated_at: now } });
      } else {
        if (reachable) {
          // Cloned by this server (a self-hosted worker clones on its own machine, by its own rules).
          const refusal = ctx.repositoryRefusal?.(param.url);
          if (refusal) throw invalidRequest(`${fieldOf(field, 'url')}: ${refusal}`);
          await checkRepositoryReachable({ url: param.url, token: param.authorization_token, checkout: param.checkout, field });
        }
        const resource = {
          type: 'github_repository' as const,
          id,
          url: param.url,
          mount_path: mountPath,
          checkout: param.checkout ?? null,
          created_at: now,
          updated_at: now,
        };
        const token = param.authorization_token;
        stored.push(token === undefined ? { resource } : { resource, secret: { authorization_token: token } });
      }
    }
  } catch (err) {
    await discard();
    throw err;
  }
  return { stored, discard };
}

/** Removes everything of a session on the host (workspace, outputs, resources); best effort. */
export const removeSessionFiles = (ctx: CommandContext, sessionId: string) => ctx.workspaces.removeSession(sessionId);

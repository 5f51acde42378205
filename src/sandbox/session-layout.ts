// Where a session's files live on the host, and what the agent sees where. Shared by every local
// sandbox provider, resource mounting and output capture.
import fs from 'node:fs';
import path from 'node:path';
import type { ConfinedRoot } from './confined/roots.js';
import type { SessionRecord } from '../store/types.js';
import { AGENT_WORKDIR } from './types.js';

export const AGENT_OUTPUTS_DIR = '/mnt/session/outputs';
/** Where the session's skills are, each in a directory named after it (read-only). */
export const AGENT_SKILLS_DIR = `${AGENT_WORKDIR}/skills`;

export interface SessionLayout {
  /** Everything of the session on the host (deleted with the session). */
  root: string;
  /** Host directory the agent sees as /workspace (read-write, persists for the session's life). */
  workspace: string;
  /** Host directory the agent sees as /mnt/session/outputs (captured as session-scoped files). */
  outputs: string;
  /** Host directory holding materialised resources (mounted copies of files, cloned repositories). */
  resources: string;
  /** Host directory holding each mounted memory store's directory (`<store id>`) and sync index. */
  memory: string;
  /** Host directory holding the session's unpacked skills (`<name>/`), mounted at /workspace/skills. */
  skills: string;
}

export function sessionLayout(workspacesDir: string, sessionId: string): SessionLayout {
  const root = path.join(workspacesDir, sessionId);
  return {
    root,
    workspace: path.join(root, 'workspace'),
    outputs: path.join(root, 'outputs'),
    resources: path.join(root, 'resources'),
    memory: path.join(root, 'memory'),
    skills: path.join(root, 'skills'),
  };
}

/** Where a memory store attached to the session is materialised on the host. */
export const memoryHostPath = (layout: SessionLayout, storeId: string) => path.join(layout.memory, storeId);

export interface Mount {
  hostPath: string;
  /** Absolute path inside the sandbox. */
  mountPath: string;
  readOnly: boolean;
}

/** The path of `mountPath` relative to /workspace, or undefined when it lies outside it. */
export function workspaceRelative(mountPath: string): string | undefined {
  return mountPath.startsWith(AGENT_WORKDIR + '/') ? mountPath.slice(AGENT_WORKDIR.length + 1) : undefined;
}

/**
 * Where a resource is materialised on the host. A mount path under /workspace is materialised in
 * the workspace directory itself, so every provider finds it there (the direct one has no mounts;
 * a sandbox's bind of it onto the same path is an identity mount that adds read-only for files).
 * Any other mount path is materialised at `<resources>/<resource id>`.
 */
export function resourceHostPath(layout: SessionLayout, resource: { id: string; mount_path: string }): string {
  const inWorkspace = workspaceRelative(resource.mount_path);
  return inWorkspace === undefined ? path.join(layout.resources, resource.id) : path.join(layout.workspace, inWorkspace);
}

/**
 * The resource mounts of a session (see resourceHostPath); files are read-only, repositories not.
 * Memory stores are mounted at their mount_path as their access says; skills, when the agent has
 * any, as one read-only directory at /workspace/skills.
 */
export function resourceMounts(layout: SessionLayout, session: SessionRecord): Mount[] {
  const memory = session.resources.flatMap(({ resource: r }) =>
    r.type === 'memory_store' && r.mount_path
      ? [{ hostPath: memoryHostPath(layout, r.memory_store_id), mountPath: r.mount_path, readOnly: r.access === 'read_only' }]
      : [],
  );
  const skills = session.agent.skills.length > 0 ? [{ hostPath: layout.skills, mountPath: AGENT_SKILLS_DIR, readOnly: true }] : [];
  return [...fileAndRepositoryMounts(layout, session), ...memory, ...skills];
}

function fileAndRepositoryMounts(layout: SessionLayout, session: SessionRecord): Mount[] {
  return session.resources
    .map(({ resource }) => resource)
    .filter((r): r is Extract<typeof r, { id: string; mount_path: string }> => 'id' in r && typeof r.mount_path === 'string')
    .map((r) => ({
      hostPath: resourceHostPath(layout, r),
      mountPath: r.mount_path,
      readOnly: r.type === 'file',
    }));
}

/**
 * What the file tools may reach, at the paths the agent sees: the session's workspace and outputs (made here if
 * missing) and `mounts`. Both local providers build it per call: mounts come and go between turns.
 */
export function sessionRoots(layout: Pick<SessionLayout, 'workspace' | 'outputs'>, mounts: readonly Mount[]): ConfinedRoot[] {
  fs.mkdirSync(layout.workspace, { recursive: true });
  fs.mkdirSync(layout.outputs, { recursive: true });
  return [
    { sandboxPath: AGENT_WORKDIR, hostPath: layout.workspace, readOnly: false },
    { sandboxPath: AGENT_OUTPUTS_DIR, hostPath: layout.outputs, readOnly: false },
    ...mounts.map((m) => ({ sandboxPath: m.mountPath, hostPath: m.hostPath, readOnly: m.readOnly })),
  ];
}

export { AGENT_WORKDIR };

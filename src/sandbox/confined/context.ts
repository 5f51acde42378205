// What every confined tool shares: the root table, the workdir, the owner of what it creates, and
// the SDK's resolve-then-refuse step (its messages) on top of resolveSandboxPath.
import { fsErrorMessage } from '@anthropic-ai/sdk/tools/agent-toolset/fs-util';
import { ToolError } from '@anthropic-ai/sdk/lib/tools/ToolError';
import { resolveSandboxPath, type CreateDirs, type Target } from './resolve.js';
import type { RootTable } from './roots.js';

export interface ToolContext {
  table: RootTable;
  workdir: string;
  owner: { uid: number; gid: number } | undefined;
  maxFileBytes: number;
}

/**
 * Runs `fn` on the resolved target of `p`, then closes every fd the resolution holds. Refuses, with
 * the SDK's confineToRoot messages, a path that cannot be resolved or lies outside every root.
 */
export async function withTarget<T>(ctx: ToolContext, p: string, fn: (target: Target) => Promise<T> | T, create?: CreateDirs): Promise<T> {
  let resolution;
  try {
    resolution = resolveSandboxPath(ctx.table, ctx.workdir, p, create);
  } catch (err) {
    throw new ToolError(fsErrorMessage(err, `path ${JSON.stringify(p)}`));
  }
  try {
    if (resolution.target === undefined) {
      const permitted = ctx.table.roots.length > 1 ? "the session's working directory and its other permitted directories" : "the session's working directory";
      throw new ToolError(`path ${JSON.stringify(p)} is outside ${permitted}`);
    }
    return await fn(resolution.target);
  } finally {
    resolution.release();
  }
}

/** An errno-carrying error, for the SDK's fsErrorMessage. */
export const errnoError = (code: string): Error => Object.assign(new Error(code), { code });

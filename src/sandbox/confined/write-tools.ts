// `write` and `edit`, as the SDK's betaWriteTool and betaEditTool: same checks in the same order,
// same messages, paths in them as the agent gave them.
import { ToolError } from '@anthropic-ai/sdk/lib/tools/ToolError';
import { DIR_CREATE_MODE, fsErrorMessage } from '@anthropic-ai/sdk/tools/agent-toolset/fs-util';
import fs from 'node:fs';
import { closeQuietly } from './anchored-fs.js';
import { writeTarget } from './atomic-write.js';
import { withTarget, type ToolContext } from './context.js';
import { GrewPastCap, readFd } from './read-tool.js';
import { openRegularFile } from './regular-file.js';
import type { CreateDirs, Target } from './resolve.js';

function refuseReadOnly(tool: string, filePath: string, target: Target): void {
  if (target.root.readOnly) throw new ToolError(`${tool}: ${filePath} is inside read-only directory ${target.root.sandboxPath}`);
}

export async function writeTool(ctx: ToolContext, input: Record<string, unknown>): Promise<string> {
  const filePath = input.file_path as string;
  const content = (input.content as string | undefined) ?? '';
  if (!filePath) throw new ToolError('write: file_path is required');
  // First without creating anything: a refused write must leave no directories behind.
  await withTarget(ctx, filePath, (target) => refuseReadOnly('write', filePath, target));
  const create: CreateDirs = {
    mode: DIR_CREATE_MODE,
    onCreate: (fd) => {
      if (ctx.owner) fs.fchownSync(fd, ctx.owner.uid, ctx.owner.gid);
    },
  };
  try {
    await withTarget(
      ctx,
      filePath,
      async (target) => {
        // the agent may have moved things since the first look
        refuseReadOnly('write', filePath, target);
        await writeTarget(ctx, target, content);
      },
      create,
    );
  } catch (e) {
    if (e instanceof ToolError) throw e;
    throw new ToolError(`write: ${fsErrorMessage(e, filePath)}`);
  }
  return `wrote ${Buffer.byteLength(content)} bytes to ${filePath}`;
}

export async function editTool(ctx: ToolContext, input: Record<string, unknown>): Promise<string> {
  const filePath = input.file_path as string;
  const oldString = input.old_string as string;
  const newString = input.new_string as string;
  const replaceAll = input.replace_all as boolean | undefined;
  if (!filePath) throw new ToolError('edit: file_path is required');
  if (!oldString) throw new ToolError('edit: old_string is required');
  return withTarget(ctx, filePath, async (target) => {
    refuseReadOnly('edit', filePath, target);
    let data: string;
    let fd: number | undefined;
    try {
      const opened = openRegularFile(target);
      if (!opened) throw new ToolError(`edit: ${filePath} is not a regular file`);
      fd = opened.fd;
      const limit = ctx.maxFileBytes;
      if (opened.stat.size > limit) {
        throw new ToolError(
          `edit: ${filePath} is ${opened.stat.size} bytes, exceeds ${limit}-byte limit. ` +
            'The edit tool loads the whole file and cannot modify a file this large.',
        );
      }
      data = await readFd(fd, limit, opened.stat.size);
    } catch (e) {
      if (e instanceof ToolError) throw e;
      if (e instanceof GrewPastCap) throw new ToolError(`edit: ${filePath} exceeds ${ctx.maxFileBytes}-byte limit (it grew while being read)`);
      throw new ToolError(`edit: ${fsErrorMessage(e, filePath)}`);
    } finally {
      closeQuietly(fd);
    }
    const count = data.split(oldString).length - 1;
    if (count === 0) throw new ToolError(`edit: old_string not found in ${filePath}`);
    let updated: string;
    if (replaceAll) {
      updated = data.split(oldString).join(newString);
    } else {
      if (count > 1) throw new ToolError(`edit: old_string appears ${count} times in ${filePath} (must be unique)`);
      // callback form: `$&` and friends in new_string stay literal
      updated = data.replace(oldString, () => newString);
    }
    try {
      await writeTarget(ctx, target, updated);
    } catch (e) {
      throw new ToolError(`edit: write: ${fsErrorMessage(e, filePath)}`);
    }
    return `edited ${filePath} (${replaceAll ? count : 1} replacement(s))`;
  });
}

// The five file tools (read, write, edit, glob, grep) run in the server process on the host
// directories bound into a session's sandbox, confined race-free: see resolve.ts and anchored-fs.ts.
import { toolErrorContent } from '@anthropic-ai/sdk/lib/tools/BetaRunnableTool';
import type { ToolOutcome } from '../types.js';
import type { ToolContext } from './context.js';
import { globTool } from './glob-tool.js';
import { grepTool } from './grep-tool.js';
import { readTool } from './read-tool.js';
import { RootTable, type ConfinedRoot } from './roots.js';
import { editTool, writeTool } from './write-tools.js';

export type { ConfinedRoot } from './roots.js';

export interface ConfinedFileToolsOptions {
  /** Sandbox path relative tool paths resolve against ('/workspace'). */
  workdir: string;
  /** Every root the tools may reach; they may nest (longest sandboxPath prefix wins, like mounts). */
  roots: readonly ConfinedRoot[];
  /** When set (server runs as root), every file/dir the tools create is fchown'ed to it. */
  owner?: { uid: number; gid: number } | undefined;
  /** Size cap for whole-file read and edit (default as the SDK: 256 KiB). */
  maxFileBytes?: number;
}

const DEFAULT_MAX_FILE_BYTES = 256 * 1024;

type Tool = (ctx: ToolContext, input: Record<string, unknown>, signal: AbortSignal) => Promise<string>;
const TOOLS = new Map<string, Tool>([
  ['read', readTool],
  ['write', writeTool],
  ['edit', editTool],
  ['glob', globTool],
  ['grep', grepTool],
]);

export class ConfinedFileTools {
  static readonly names: ReadonlySet<string> = new Set(TOOLS.keys());
  private readonly ctx: ToolContext;

  constructor(opts: ConfinedFileToolsOptions) {
    this.ctx = {
      table: new RootTable(opts.roots),
      workdir: opts.workdir,
      owner: opts.owner,
      maxFileBytes: opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    };
  }

  /** Runs one tool call; a failure (or a bug) is an error outcome, never a rejection. */
  async run(name: string, input: Record<string, unknown>, signal: AbortSignal): Promise<ToolOutcome> {
    const tool = TOOLS.get(name);
    if (!tool) return { isError: true, content: [{ type: 'text', text: `Unknown tool "${name}".` }] };
    try {
      return { isError: false, content: [{ type: 'text', text: await tool(this.ctx, input ?? {}, signal) }] };
    } catch (err) {
      const content = toolErrorContent(err);
      return { isError: true, content: typeof content === 'string' ? [{ type: 'text', text: content }] : content };
    }
  }
}

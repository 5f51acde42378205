// Fixtures for the confined file tools' tests: a varied workspace tree, the SDK's own tools (and
// agentd's glob) run on host paths, and ConfinedFileTools on sandbox paths.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runRunnableTool } from '@anthropic-ai/sdk/lib/tools/BetaRunnableTool';
import type { BetaRunnableTool } from '@anthropic-ai/sdk/lib/tools/BetaRunnableTool';
import { betaEditTool, betaGrepTool, betaReadTool, betaWriteTool } from '@anthropic-ai/sdk/tools/agent-toolset/node';
import { globTool } from './reference-glob.js';
import type { ToolOutcome } from '../../../src/sandbox/types.js';
import type { ConfinedFileTools } from '../../../src/sandbox/confined/confined-file-tools.js';

export const WS = '/workspace';
export const OUT = '/mnt/session/outputs';

export function tmpDir(): string {
  return fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'confined-')));
}

/** A workspace with nested dirs, dot files, unicode, CRLF, an empty and a big file, links, .git and node_modules. */
export function buildTree(ws: string, out: string): void {
  const files: Record<string, string> = {
    'a.txt': 'hello\nworld\nfoo here\n',
    'crlf.txt': 'one\r\ntwo foo\r\n',
    'empty.txt': '',
    '.hidden': 'dot foo\n',
    'ünïcode/ファイル.md': '日本語 foo\nbar\n',
    'nested/deep/x.ts': 'export const x = 1;\nfoo bar\n',
    'nested/y.js': 'foo\n',
    'nested/z.ts': 'no match here\n',
    'dup.txt': 'foo foo foo\n',
    'dollar.txt': 'price: X\n',
    'big.txt': Array.from({ length: 10_000 }, (_, i) => `line ${i + 1} ${'x'.repeat(30)} foo`).join('\n') + '\n',
    '.git/config': 'foo in git\n',
    'node_modules/pkg/index.js': 'foo in node_modules\n',
    'bin.dat': 'foo\0binary\n',
  };
  let t = 1_700_000_000;
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(ws, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    fs.utimesSync(file, t, t);
    t += 10;
  }
  fs.symlinkSync('nested', path.join(ws, 'link-in'));
  fs.symlinkSync('a.txt', path.join(ws, 'link-file'));
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'report.txt'), 'foo out\n');
  fs.utimesSync(path.join(out, 'report.txt'), t, t);
}

export function text(outcome: ToolOutcome): string {
  return outcome.content.map((b) => (b.type === 'text' ? b.text : '')).join('');
}

/** Runs a call on the tools `current()` returns (set up in a beforeAll), as { isError, text }. */
export function confinedCaller(current: () => ConfinedFileTools) {
  const signal = new AbortController().signal;
  return async (name: string, input: Record<string, unknown>) => {
    const outcome = await current().run(name, input, signal);
    return { isError: outcome.isError, text: text(outcome) };
  };
}

/** The SDK's tools as the tool host ran them, with host paths. */
export function sdkTools(ws: string, out: string): Map<string, BetaRunnableTool> {
  const ctx = { workdir: ws, allowedRoots: [out] };
  const tools = [betaReadTool(ctx), betaWriteTool(ctx), betaEditTool(ctx), betaGrepTool(ctx), globTool(ws, [out])] as BetaRunnableTool[];
  return new Map(tools.map((t) => [t.name, t]));
}

export async function runSdk(tools: Map<string, BetaRunnableTool>, name: string, input: Record<string, unknown>): Promise<ToolOutcome> {
  const tool = tools.get(name)!;
  const signal = new AbortController().signal;
  const toolUse = { type: 'tool_use' as const, id: 'toolu_1', name, input };
  const outcome = await runRunnableTool(tool, input, { toolUse, toolUseBlock: toolUse, signal } as never);
  const content = typeof outcome.content === 'string' ? [{ type: 'text' as const, text: outcome.content }] : (outcome.content ?? []);
  return { isError: outcome.isError ?? false, content } as ToolOutcome;
}

/** Every entry under `dir`: relative path, type, mode bits, content (files) or target (links). */
export function snapshot(dir: string): string[] {
  const rows: string[] = [];
  const walk = (rel: string) => {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(path.join(dir, r));
      const mode = (st.mode & 0o777).toString(8);
      if (st.isSymbolicLink()) rows.push(`${r} -> ${fs.readlinkSync(path.join(dir, r))}`);
      else if (st.isDirectory()) {
        rows.push(`${r}/ ${mode}`);
        walk(r);
      } else rows.push(`${r} ${mode} ${JSON.stringify(fs.readFileSync(path.join(dir, r), 'utf8'))}`);
    }
  };
  walk('');
  return rows;
}

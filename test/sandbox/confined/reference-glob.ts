// The reference `glob` the confined tool is compared with: agentd's glob before the file tools moved into
// ../../../src/sandbox/confined (the SDK's version needs Node 22's fs.glob; agentd supports Node 20),
// so this one walks with tinyglobby and keeps the SDK's contract: relative patterns only, no
// escape from the workdir (symlinks resolved), regular files only, newest first, 200 results.
import fs from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { betaTool } from '@anthropic-ai/sdk/helpers/beta/json-schema';
import { ToolError } from '@anthropic-ai/sdk/lib/tools/ToolError';
import { resolvePath } from '@anthropic-ai/sdk/tools/agent-toolset/node';

const RESULT_LIMIT = 200;
const WALK_LIMIT = 50_000;

const isWithin = (root: string, p: string) => p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

export function globTool(workdir: string, allowedRoots: string[] = []) {
  return betaTool({
    name: 'glob',
    description: 'Match files under the workdir against a glob pattern. Results are mtime-sorted, newest first.',
    inputSchema: {
      type: 'object',
      properties: {
        pattern: { type: 'string' },
        path: { type: 'string', description: 'Directory to search in. Defaults to the workdir.' },
      },
      required: ['pattern'],
    },
    run: async ({ pattern, path: searchPath }: { pattern: string; path?: string }) => {
      if (!pattern) throw new ToolError('glob: pattern is required');
      if (path.isAbsolute(pattern)) throw new ToolError('glob: absolute pattern not permitted; pass a relative pattern (and optionally path)');
      if (pattern.split(/[\\/{},]/).includes('..')) throw new ToolError('glob: ".." is not permitted in the pattern');
      const root = searchPath ? await resolvePath({ workdir, allowedRoots }, searchPath) : await fs.realpath(workdir);
      const found = await glob(pattern, {
        cwd: root,
        absolute: true,
        onlyFiles: true,
        dot: true,
        followSymbolicLinks: false,
        ignore: ['**/.git/**', '**/node_modules/**'],
      });
      const matches: Array<{ path: string; mtime: number }> = [];
      for (const file of found.slice(0, WALK_LIMIT)) {
        let real: string;
        try {
          real = await fs.realpath(file);
        } catch {
          continue;
        }
        if (!isWithin(root, real)) continue;
        const stat = await fs.stat(file).catch(() => undefined);
        if (stat && !stat.isFile()) continue;
        matches.push({ path: file, mtime: stat?.mtimeMs ?? 0 });
      }
      if (matches.length === 0) return 'no matches';
      matches.sort((a, b) => b.mtime - a.mtime);
      return matches.slice(0, RESULT_LIMIT).map((m) => m.path).join('\n');
    },
  });
}

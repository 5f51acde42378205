// `glob`, as agentd's tinyglobby-based glob (src/sandbox/direct/glob-tool.ts) behaves: tinyglobby's
// pattern handling (a pattern not ending in `*` also matches everything under it), picomatch with
// dot files, .git and node_modules ignored, symlinks never followed or listed, regular files only,
// newest mtime first, 200 results, at most 50,000 matches considered. Walked through held fds.
import path from 'node:path';
import picomatch from 'picomatch';
import { ToolError } from '@anthropic-ai/sdk/lib/tools/ToolError';
import { closeQuietly, openDirAt } from './anchored-fs.js';
import { withTarget, type ToolContext } from './context.js';
import { listDir, openEntryDir, statEntry } from './list-dir.js';
import { childPath, type RootTable } from './roots.js';

const RESULT_LIMIT = 200;
const MATCH_LIMIT = 50_000;
/** Bounds the fds one walk holds (one per level); tinyglobby has no depth limit. */
const MAX_DEPTH = 256;
const MATCH_OPTIONS = { dot: true, posix: true };
const IGNORE = picomatch(['**/.git/**', '**/node_modules/**'], MATCH_OPTIONS);

export async function globTool(ctx: ToolContext, input: Record<string, unknown>, signal: AbortSignal): Promise<string> {
  const pattern = input.pattern as string;
  const searchPath = input.path as string | undefined;
  if (!pattern) throw new ToolError('glob: pattern is required');
  if (path.isAbsolute(pattern)) throw new ToolError('glob: absolute pattern not permitted; pass a relative pattern (and optionally path)');
  if (pattern.split(/[\\/{},]/).includes('..')) throw new ToolError('glob: ".." is not permitted in the pattern');
  const normalized = normalizePattern(pattern);
  if (normalized === undefined) return 'no matches';
  const matches = await withTarget(ctx, searchPath ? searchPath : ctx.workdir, async (target) => {
    if (target.kind === 'dir') return walkGlob(ctx.table, target.fd, target.path, normalized, signal);
    if (target.kind !== 'entry' || !target.stat?.isDirectory()) return [];
    let fd: number;
    try {
      fd = openDirAt(target.dirFd, target.name);
    } catch {
      return [];
    }
    try {
      return await walkGlob(ctx.table, fd, target.path, normalized, signal);
    } finally {
      closeQuietly(fd);
    }
  });
  if (matches.length === 0) return 'no matches';
  matches.sort((a, b) => b.mtime - a.mtime);
  return matches
    .slice(0, RESULT_LIMIT)
    .map((m) => m.path)
    .join('\n');
}

/** tinyglobby's normalizePattern for a relative pattern (expandDirectories on); undefined for a negation, which matches nothing. */
function normalizePattern(pattern: string): string | undefined {
  if (pattern[0] === '!' && pattern[1] !== '(') return undefined;
  let result = pattern.endsWith('/') ? pattern.slice(0, -1) : pattern;
  if (!result.endsWith('*')) result += '/**';
  return path.posix.normalize(result);
}

async function walkGlob(table: RootTable, rootFd: number, rootPath: string, pattern: string, signal: AbortSignal): Promise<Array<{ path: string; mtime: number }>> {
  const matcher = picomatch(pattern, MATCH_OPTIONS);
  const partial = partialMatcher(pattern);
  const found: Array<{ path: string; mtime: number }> = [];
  let sinceYield = 0;
  async function inner(fd: number, dirRel: string, dirPath: string, depth: number): Promise<void> {
    for (const e of listDir(table, fd, dirPath)) {
      if (found.length >= MATCH_LIMIT || signal.aborted) return;
      // a long walk must not hold up the server's other work
      if (++sinceYield >= 1000) {
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
      const rel = dirRel ? `${dirRel}/${e.name}` : e.name;
      const entryPath = childPath(dirPath, e.name);
      if (e.kind === 'dir') {
        if (depth >= MAX_DEPTH || !partial(rel) || IGNORE(rel)) continue;
        let childFd: number;
        try {
          childFd = openEntryDir(fd, e);
        } catch {
          continue;
        }
        try {
          await inner(childFd, rel, entryPath, depth + 1);
        } finally {
          closeQuietly(childFd);
        }
      } else if (e.kind === 'file' && matcher(rel) && !IGNORE(rel)) {
        const stat = statEntry(fd, e);
        if (stat?.isFile()) found.push({ path: entryPath, mtime: stat.mtimeMs });
      }
    }
  }
  await inner(rootFd, '', rootPath, 0);
  return found;
}

/**
 * tinyglobby's getPartialMatcher for one pattern: whether a directory could hold a match, so the
 * walk skips the ones that cannot (as tinyglobby does).
 */
function partialMatcher(pattern: string): (rel: string) => boolean {
  const scanned = picomatch.scan(pattern, { parts: true }).parts;
  const parts = scanned?.length ? scanned : [pattern];
  const matchers = parts.map((part) => picomatch(part, MATCH_OPTIONS));
  return (input) => {
    const inputParts = input.split('/');
    const minParts = Math.min(inputParts.length, parts.length);
    let j = 0;
    while (j < minParts) {
      const part = parts[j]!;
      if (part.includes('/')) return true;
      if (!matchers[j]!(inputParts[j]!)) break;
      if (part === '**') return true;
      j++;
    }
    return j === inputParts.length;
  };
}

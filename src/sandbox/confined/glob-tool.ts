// `glob`, as agentd's earlier tinyglobby-based glob (test/sandbox/confined/reference-glob.ts) behaves: tinyglobby's
// pattern handling (a pattern not ending in `*` also matches everything under it; the crawl starts
// at the pattern's static prefix, through links, but must stay inside the search root), picomatch
// with dot files, .git and node_modules ignored, symlinks below that never followed or listed,
// regular files only, newest mtime first, 200 results, at most 50,000 matches considered. Every
// directory is reached through held fds.
import path from 'node:path';
import picomatch from 'picomatch';
import { ToolError } from '@anthropic-ai/sdk/lib/tools/ToolError';
import { isWithin } from '@anthropic-ai/sdk/tools/agent-toolset/fs-util';
import { closeQuietly, openDirAt } from './anchored-fs.js';
import { withTarget, type ToolContext } from './context.js';
import { listDir, openEntryDir, statEntry } from './list-dir.js';
import { resolveSandboxPath, type Resolution, type Target } from './resolve.js';
import { childPath, type RootTable } from './roots.js';
import { compileGlob, globMatcher } from './glob-matcher.js';
import { searchSlots } from './search-slots.js';

const RESULT_LIMIT = 200;
const MATCH_LIMIT = 50_000;
/** Bounds the fds one walk holds (one per level); tinyglobby has no depth limit. */
const MAX_DEPTH = 256;
const MATCH_OPTIONS = { dot: true, posix: true };
// What tinyglobby ignores here (the globs **/.git/** and **/node_modules/**: a path with such a segment), without a
// regex to backtrack on a long path.
const IGNORED_SEGMENTS = new Set(['.git', 'node_modules']);
const ignored = (rel: string): boolean => rel.split('/').some((segment) => IGNORED_SEGMENTS.has(segment));
/** Entries of one directory matched (and then statted) per step. */
const SLICE = 4_096;
/** A pattern's matching may take this long over the whole walk (the agent names both the pattern and the files). */
const GLOB_TIMEOUT_MS = 60_000;

export async function globTool(ctx: ToolContext, input: Record<string, unknown>, signal: AbortSignal): Promise<string> {
  const pattern = input.pattern as string;
  const searchPath = input.path as string | undefined;
  if (!pattern) throw new ToolError('glob: pattern is required');
  if (path.isAbsolute(pattern)) throw new ToolError('glob: absolute pattern not permitted; pass a relative pattern (and optionally path)');
  if (pattern.split(/[\\/{},]/).includes('..')) throw new ToolError('glob: ".." is not permitted in the pattern');
  const normalized = normalizePattern(pattern);
  if (normalized === undefined) return 'no matches';
  const common = staticPrefix(normalized);
  const matches = await withTarget(ctx, searchPath ? searchPath : ctx.workdir, async (root) => {
    if (common.length === 0) return withDir(root, (fd) => walkGlob(ctx.table, fd, root.path, '', root.path, normalized, signal));
    // tinyglobby starts its crawl at the pattern's static prefix, following links on the way there;
    // what it finds must still resolve inside the search root
    const startRel = common.join('/');
    const shown = childPath(root.path, startRel);
    let start: Resolution;
    try {
      start = resolveSandboxPath(ctx.table, ctx.workdir, shown);
    } catch {
      return [];
    }
    try {
      const target = start.target;
      if (target === undefined || !isWithin(root.path, target.path)) return [];
      return await withDir(target, (fd) => walkGlob(ctx.table, fd, target.path, startRel, shown, normalized, signal));
    } finally {
      start.release();
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

type Found = Array<{ path: string; mtime: number }>;

/** Runs `walk` on the directory `target` is (opened for the call), or finds nothing when it is not one. */
async function withDir(target: Target, walk: (fd: number) => Promise<Found>): Promise<Found> {
  if (target.kind === 'dir') return walk(target.fd);
  if (target.kind !== 'entry' || !target.stat?.isDirectory()) return [];
  let fd: number;
  try {
    fd = openDirAt(target.dirFd, target.name);
  } catch {
    return [];
  }
  try {
    return await walk(fd);
  } finally {
    closeQuietly(fd);
  }
}


/** The leading static directories of the pattern, where tinyglobby roots its crawl (its commonPath). */
function staticPrefix(pattern: string): string[] {
  const parts = patternParts(pattern);
  const common: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '**' && !parts[i + 1]) {
      common.pop();
      break;
    }
    const scan = picomatch.scan(part);
    if (i === parts.length - 1 || scan.isGlob || scan.negated) break;
    common.push(part);
  }
  return common.map((part) => part.replace(/\\/g, ''));
}

function patternParts(pattern: string): string[] {
  const scanned = picomatch.scan(pattern, { parts: true }).parts;
  return scanned?.length ? scanned : [pattern];
}

/**
 * Walks the directory `fd` (sandbox path `realDir`) as the pattern-relative `startRel`, shown as
 * `shownDir`: matches are listed under the path the agent asked for, not where a link led. The
 * pattern is matched on a worker (glob-matcher.ts), one directory's entries at a time, within
 * GLOB_TIMEOUT_MS.
 */
async function walkGlob(table: RootTable, fd: number, realDir: string, startRel: string, shownDir: string, pattern: string, signal: AbortSignal): Promise<Found> {
  if (signal.aborted || !(await searchSlots.take(signal))) throw new ToolError('glob: aborted');
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stop.abort();
  }, GLOB_TIMEOUT_MS);
  const why = () => (timedOut ? `glob: timed out after ${GLOB_TIMEOUT_MS / 1000}s (simplify the pattern)` : 'glob: aborted');
  const match = globMatcher(compileGlob(pattern, patternParts(pattern), MATCH_OPTIONS), stop.signal, why);
  const found: Found = [];
  async function inner(fd: number, dirRel: string, realDir: string, shownDir: string, depth: number): Promise<void> {
    const listed = await listDir(table, fd, realDir);
    // A slice at a time, in order: a directory of hundreds of thousands of entries is matched and walked in steps
    // that let the server's event loop run between them.
    for (let start = 0; start < listed.length; start += SLICE) {
      const entries = listed.slice(start, start + SLICE).map((e) => ({ e, rel: dirRel ? `${dirRel}/${e.name}` : e.name }));
      const dirs = entries.filter(({ e, rel }) => e.kind === 'dir' && depth < MAX_DEPTH && !ignored(rel));
      const files = entries.filter(({ e, rel }) => e.kind === 'file' && !ignored(rel));
      const hits = await match(
        files.map((f) => f.rel),
        dirs.map((d) => d.rel),
      );
      const wanted = new Set([...files.filter((_, i) => hits.files[i]), ...dirs.filter((_, i) => hits.dirs[i])]);
      for (const entry of entries) {
        if (found.length >= MATCH_LIMIT || stop.signal.aborted) return;
        if (!wanted.has(entry)) continue;
        const { e } = entry;
        if (e.kind === 'dir') {
          let childFd: number;
          try {
            childFd = openEntryDir(fd, e);
          } catch {
            continue;
          }
          try {
            await inner(childFd, entry.rel, childPath(realDir, e.name), childPath(shownDir, e.name), depth + 1);
          } finally {
            closeQuietly(childFd);
          }
        } else {
          const stat = statEntry(fd, e);
          if (stat?.isFile()) found.push({ path: childPath(shownDir, e.name), mtime: stat.mtimeMs });
        }
      }
    }
  }
  try {
    await inner(fd, startRel, realDir, shownDir, 0);
    if (stop.signal.aborted) throw new ToolError(why());
    return found;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    stop.abort(); // ends the matcher's worker
    searchSlots.give();
  }
}


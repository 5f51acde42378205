// `grep`, as the SDK's built-in walker (never ripgrep: rg would open host paths by name): JS regex
// semantics, matched on a worker thread that can be killed mid-backtrack, lines over 2,000 chars
// skipped, output capped, 60 s budget, at most 4 searches at once. Output is `path:line:text` with
// sandbox paths.
import fs from 'node:fs';
import { once } from 'node:events';
import { ToolError } from '@anthropic-ai/sdk/lib/tools/ToolError';
import { closeQuietly, openDirAt } from './anchored-fs.js';
import { withTarget, type ToolContext } from './context.js';
import { listDir, openEntryDir, openEntryFile } from './list-dir.js';
import { openRegularFile } from './regular-file.js';
import { childPath, type RootTable } from './roots.js';
import { searchSlots as slots } from './search-slots.js';
import { startSearchWorker, type Ask } from './search-worker.js';
import type { Target } from './resolve.js';

const GREP_OUTPUT_LIMIT = 100 * 1024;
const GREP_TIMEOUT_MS = 60_000;
const GREP_MAX_LINE_LENGTH = 2000;
const GREP_BATCH_LINES = 1000;
const WALK_MAX_DEPTH = 40;
const WALK_MAX_ENTRIES = 50_000;

type Push = (line: string) => boolean;
type Match = (lines: string[]) => Promise<boolean[]>;

export async function grepTool(ctx: ToolContext, input: Record<string, unknown>, signal: AbortSignal): Promise<string> {
  const pattern = input.pattern as string;
  const p = input.path as string | undefined;
  if (!pattern) throw new ToolError('grep: pattern is required');
  return withTarget(ctx, p ? p : ctx.workdir, (target) => walkGrep(ctx.table, pattern, target, signal));
}


async function walkGrep(table: RootTable, pattern: string, target: Target, signal: AbortSignal): Promise<string> {
  let re: RegExp;
  try {
    re = new RegExp(pattern);
  } catch (e) {
    throw new ToolError(`grep: invalid regex: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (signal.aborted) throw new ToolError('grep: aborted');
  if (!(await slots.take(signal))) throw new ToolError('grep: aborted');
  const hits: string[] = [];
  let budget = GREP_OUTPUT_LIMIT;
  const push: Push = (line) => {
    budget -= line.length + 1;
    if (budget < 0) {
      hits.push(`[output truncated at ${GREP_OUTPUT_LIMIT} bytes]`);
      return false;
    }
    hits.push(line);
    return true;
  };
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(() => stop.abort(), GREP_TIMEOUT_MS);
  const match = lineMatcher(re, stop.signal);
  // the search settles (and lets go of its fds) even when the race below is lost to an abort
  const search = searchTarget(table, target, match, push, stop.signal);
  try {
    await Promise.race([search, once(stop.signal, 'abort')]);
    if (signal.aborted) throw new ToolError('grep: aborted');
    if (stop.signal.aborted) {
      if (hits.length === 0) throw new ToolError(`grep: timed out after ${GREP_TIMEOUT_MS / 1000}s`);
      hits.push(`[the search was cut short after ${GREP_TIMEOUT_MS} ms]`);
    }
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    stop.abort();
    await search.catch(() => {});
    slots.give();
  }
  if (hits.length === 0) return 'no matches';
  return hits.join('\n');
}

async function searchTarget(table: RootTable, target: Target, match: Match, push: Push, signal: AbortSignal): Promise<void> {
  switch (target.kind) {
    case 'missing':
      return;
    case 'dir':
      return walk(table, target.fd, target.path, match, push, signal);
    case 'file-root': {
      const opened = tryOpen(() => openRegularFile(target)?.fd);
      if (opened !== undefined) await grepFile(opened, target.path, match, push, signal);
      return;
    }
    case 'entry': {
      if (target.stat?.isFile()) {
        const fd = tryOpen(() => openRegularFile(target)?.fd);
        if (fd !== undefined) await grepFile(fd, target.path, match, push, signal);
        return;
      }
      const dirFd = tryOpen(() => openDirAt(target.dirFd, target.name));
      if (dirFd === undefined) return;
      try {
        await walk(table, dirFd, target.path, match, push, signal);
      } finally {
        closeQuietly(dirFd);
      }
    }
  }
}

function tryOpen(open: () => number | undefined): number | undefined {
  try {
    return open();
  } catch {
    return undefined;
  }
}

/** The SDK's bounded walk: real directories and regular files only, .git and node_modules skipped. */
async function walk(table: RootTable, rootFd: number, rootPath: string, match: Match, push: Push, signal: AbortSignal): Promise<void> {
  let remaining = WALK_MAX_ENTRIES;
  async function inner(fd: number, dirPath: string, depth: number): Promise<boolean> {
    if (depth > WALK_MAX_DEPTH) return true;
    if (signal.aborted) return false;
    for (const e of await listDir(table, fd, dirPath)) {
      if (e.name === '.git' || e.name === 'node_modules') continue;
      if (remaining-- <= 0) return false;
      if (signal.aborted) return false;
      const path = childPath(dirPath, e.name);
      if (e.kind === 'dir') {
        const childFd = tryOpen(() => openEntryDir(fd, e));
        if (childFd === undefined) continue;
        try {
          if (!(await inner(childFd, path, depth + 1))) return false;
        } finally {
          closeQuietly(childFd);
        }
      } else if (e.kind === 'file') {
        const fileFd = tryOpen(() => openEntryFile(fd, e));
        if (fileFd !== undefined && !(await grepFile(fileFd, path, match, push, signal))) return false;
      }
      // symlinks, devices, FIFOs and sockets are skipped
    }
    return true;
  }
  await inner(rootFd, rootPath, 0);
}

/** Greps the open file `fd` (and closes it); false when the output is full. */
async function grepFile(fd: number, path: string, match: Match, push: Push, signal: AbortSignal): Promise<boolean> {
  const stream = fs.createReadStream('', { fd, start: 0, encoding: 'utf8', signal });
  const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
  stream.on('error', () => {});
  try {
    for await (const { numbers, lines } of lineBatches(stream)) {
      const matched = await match(lines);
      for (const [i, line] of lines.entries()) {
        if (matched[i] && !push(`${path}:${numbers[i]}:${line}`)) return false;
      }
      if (matched.length < lines.length) break;
    }
  } finally {
    stream.destroy();
    await closed;
  }
  return true;
}

/** readline's line ends (crlfDelay: Infinity: a CR then an LF are one end, also across reads). */
const LINE_END = /\r\n|\n|\r/g;

/**
 * The file's lines, numbered, in batches, as readline splits them. Lines over GREP_MAX_LINE_LENGTH are skipped
 * (a model-supplied regex backtracking over a huge line is a ReDoS) without being held: a file of one 1 GB line
 * costs what a file of short lines does (readline kept the whole line, past what a string may hold, and the error
 * it then threw was uncaught). A NUL says binary: the lines of that read are the last, as the SDK's reader does.
 */
async function* lineBatches(text: AsyncIterable<string | Buffer>): AsyncGenerator<{ numbers: number[]; lines: string[] }> {
  let i = 0;
  let numbers: number[] = [];
  let lines: string[] = [];
  let current = '';
  let tooLong = false;
  let afterCr = false;
  const add = (piece: string) => {
    if (tooLong) return;
    if (current.length + piece.length > GREP_MAX_LINE_LENGTH) {
      tooLong = true;
      current = '';
    } else current += piece;
  };
  const end = () => {
    i++;
    if (!tooLong) {
      numbers.push(i);
      lines.push(current);
    }
    current = '';
    tooLong = false;
  };
  try {
    for await (const read of text) {
      let chunk = String(read);
      if (afterCr && chunk.startsWith('\n')) chunk = chunk.slice(1);
      afterCr = false;
      let from = 0;
      for (const m of chunk.matchAll(LINE_END)) {
        add(chunk.slice(from, m.index));
        end();
        from = m.index + m[0].length;
        afterCr = m[0] === '\r' && from === chunk.length;
      }
      const binary = chunk.includes('\0');
      if (!binary) add(chunk.slice(from));
      if (lines.length >= GREP_BATCH_LINES) {
        yield { numbers, lines };
        numbers = [];
        lines = [];
      }
      if (binary) {
        current = '';
        tooLong = false;
        break;
      }
    }
    if (current !== '' || tooLong) end();
  } catch {
    // unreadable
  }
  if (lines.length > 0) yield { numbers, lines };
}

/**
 * Matches lines on a worker thread (search-worker.ts), which leaves the server's thread free and can be terminated
 * while a regex backtracks. Where no worker can start, it matches on this thread (the SDK's logic).
 */
function lineMatcher(re: RegExp, signal: AbortSignal): Match {
  let starting: Promise<Ask<string[], boolean[]> | null> | undefined;
  const failure = (cause: Error) => Object.assign(new ToolError(`grep: search failed: ${cause.message}`), { cause });
  return async (lines) => {
    if (signal.aborted) return [];
    const ask = await (starting ??= startSearchWorker<string[], boolean[]>(GREP_WORKER_SOURCE, re.source, signal, failure));
    if (signal.aborted) return [];
    if (ask) return ask(lines);
    const matched: boolean[] = [];
    try {
      for (const line of lines) matched.push(re.test(line));
    } catch {
      // the regex overflowed its stack
    }
    return matched;
  };
}

const GREP_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
let re;
parentPort.on('message', (lines) => {
  re ??= new RegExp(workerData);
  const matched = [];
  try {
    for (const line of lines) matched.push(re.test(line));
  } catch {}
  parentPort.postMessage(matched);
});
parentPort.postMessage([]);
`;

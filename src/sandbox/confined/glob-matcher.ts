// Glob matching off the server's thread. picomatch compiles a pattern to regular expressions, and those can
// backtrack for minutes on names the agent itself chose (`*a*a*a*a*b*` against a name of 60 `a`s: ~20 s, longer
// names hours): run on the server's thread, one glob call would stop every session. A worker thread matches instead,
// a directory's entries per message, and is terminated when the call is aborted or its time is up.
import picomatch from 'picomatch';
import { ToolError } from '@anthropic-ai/sdk/lib/tools/ToolError';
import { startSearchWorker, type Ask } from './search-worker.js';

/** One compiled glob: picomatch's regex and the glob itself (picomatch's matcher also takes an exact match). */
interface Compiled {
  glob: string;
  source: string;
  flags: string;
}

export interface GlobPattern {
  /** The whole pattern, against a file's path relative to the crawl's root. */
  full: Compiled;
  /** The pattern's parts (picomatch.scan), for whether a directory could hold a match (tinyglobby's partial matcher). */
  parts: Compiled[];
}

export function compileGlob(pattern: string, parts: readonly string[], options: picomatch.PicomatchOptions): GlobPattern {
  const compile = (glob: string): Compiled => {
    const re = picomatch.makeRe(glob, options);
    return { glob, source: re.source, flags: re.flags };
  };
  return { full: compile(pattern), parts: parts.map(compile) };
}

export interface Matched {
  files: boolean[];
  dirs: boolean[];
}

type Batch = { files: readonly string[]; dirs: readonly string[] };

/**
 * The matching itself, as the worker runs it (its source is sent to the worker, so it uses nothing from outside) and
 * this thread too, where no worker can start: picomatch.test's rules (an empty path never matches, the glob itself
 * always does, else its regex) and tinyglobby's partial matcher (whether a directory could hold a match).
 */
function matching(pattern: GlobPattern): (batch: Batch) => Matched {
  const compile = (c: Compiled) => ({ glob: c.glob, re: new RegExp(c.source, c.flags) });
  const test = (m: { glob: string; re: RegExp }, input: string) => input !== '' && (input === m.glob || m.re.test(input));
  const full = compile(pattern.full);
  const parts = pattern.parts.map(compile);
  const couldHold = (input: string) => {
    const inputParts = input.split('/');
    const minParts = Math.min(inputParts.length, parts.length);
    let j = 0;
    while (j < minParts) {
      const part = parts[j]!;
      if (part.glob.includes('/')) return true;
      if (!test(part, inputParts[j]!)) break;
      if (part.glob === '**') return true;
      j++;
    }
    return j === inputParts.length;
  };
  return ({ files, dirs }) => ({ files: files.map((f) => test(full, f)), dirs: dirs.map(couldHold) });
}

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const match = (${matching.toString()})(workerData);
parentPort.on('message', (batch) => parentPort.postMessage(match(batch)));
parentPort.postMessage(null);
`;

/**
 * Matches batches on a worker (search-worker.ts) until `signal` aborts, which terminates it: the batch under way and
 * any later one then fail with `why()`. Where no worker can start, it matches on this thread.
 */
export function globMatcher(pattern: GlobPattern, signal: AbortSignal, why: () => string): (files: readonly string[], dirs: readonly string[]) => Promise<Matched> {
  let starting: Promise<Ask<Batch, Matched> | null> | undefined;
  let fallback: ((batch: Batch) => Matched) | undefined;
  const failure = (cause: Error) => new ToolError(signal.aborted ? why() : `glob: matching failed: ${cause.message}`);
  return async (files, dirs) => {
    if (signal.aborted) throw new ToolError(why());
    const ask = await (starting ??= startSearchWorker<Batch, Matched>(WORKER_SOURCE, pattern, signal, failure));
    if (signal.aborted) throw new ToolError(why());
    return ask ? ask({ files, dirs }) : (fallback ??= matching(pattern))({ files, dirs });
  };
}

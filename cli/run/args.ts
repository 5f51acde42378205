// `agentd run` flags and environment, parsed into one RunOptions (or a usage error, exit 2).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BUILT_IN_TOOL_NAMES, type BuiltInToolName } from '../../src/api/schemas/agent.js';

export const DEFAULT_URL = 'http://127.0.0.1:4600';
export const DEFAULT_MODEL = 'claude-opus-4-8';

export interface RunOptions {
  task: string;
  url: string;
  /** Undefined when no flag or variable gave one; the key file is tried next. */
  apiKey: string | undefined;
  /** Where `agentd serve` keeps its generated key by default (relative to the working directory). */
  keyFile: string;
  model: string;
  /** Enabled built-in tools; all of them unless --tools narrows the set. */
  tools: readonly BuiltInToolName[];
  /** Tools that need a confirmation before each call (always_ask). */
  ask: readonly BuiltInToolName[];
  system: string | undefined;
  json: boolean;
  /** --out: where the session's outputs are copied when the run is done. */
  out: string | undefined;
}

/** Bad flags or arguments: the caller prints the message and the usage text, and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export type ParsedRun = { help: true } | { help: false; options: RunOptions };

function toolList(raw: string, flag: string): BuiltInToolName[] {
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const known = new Set<string>(BUILT_IN_TOOL_NAMES);
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new UsageError(`${flag}: unknown tool ${unknown.map((n) => `"${n}"`).join(', ')} (known: ${BUILT_IN_TOOL_NAMES.join(', ')})`);
  }
  // Canonical order, no duplicates: the same set always yields the same agent config.
  return BUILT_IN_TOOL_NAMES.filter((n) => names.includes(n));
}

/** The server's AGENTD_API_KEY may list several keys; any one of them works for a client. */
export function firstKey(raw: string | undefined): string | undefined {
  const key = raw
    ?.split(',')
    .map((k) => k.trim())
    .find((k) => k.length > 0);
  return key === undefined || key === '' ? undefined : key;
}

export function parseRunArgs(argv: string[], env: NodeJS.ProcessEnv): ParsedRun {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        'api-key': { type: 'string' },
        model: { type: 'string' },
        tools: { type: 'string' },
        ask: { type: 'string' },
        system: { type: 'string' },
        json: { type: 'boolean' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  const task = positionals.join(' ').trim();
  if (task === '') throw new UsageError('missing the task: agentd run "<task>"');

  const url = (values.url ?? env.AGENTD_URL ?? DEFAULT_URL).replace(/\/+$/, '');
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new UsageError(`--url: "${url}" is not an http(s) URL`);
  }
  const model = values.model?.trim() || DEFAULT_MODEL;
  const tools = values.tools === undefined ? [...BUILT_IN_TOOL_NAMES] : toolList(values.tools, '--tools');
  if (tools.length === 0) throw new UsageError('--tools: name at least one tool (e.g. --tools bash,read,write)');
  const ask = values.ask === undefined ? [] : toolList(values.ask, '--ask');
  const notEnabled = ask.filter((n) => !tools.includes(n));
  if (notEnabled.length > 0) throw new UsageError(`--ask: ${notEnabled.join(', ')} not enabled by --tools`);
  const dataDir = env.AGENTD_DATA_DIR || './.agentd';
  return {
    help: false,
    options: {
      task,
      url,
      apiKey: firstKey(values['api-key']) ?? firstKey(env.AGENTD_API_KEY),
      keyFile: path.resolve(dataDir, 'api-key'),
      model,
      tools,
      ask,
      // An empty --system means none, as the server stores it (null).
      system: values.system === '' ? undefined : values.system,
      json: values.json ?? false,
      out: values.out === undefined || values.out === '' ? undefined : path.resolve(values.out),
    },
  };
}

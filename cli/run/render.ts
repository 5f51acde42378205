// Pure formatting of session events for people: one line per tool call, a few lines per result.
import type { BetaManagedAgentsSessionUsage } from '@anthropic-ai/sdk/resources/beta/sessions/sessions.js';

const CALL_WIDTH = 120;
const RESULT_WIDTH = 160;
const RESULT_LINES = 4;

function truncate(s: string, width: number): string {
  return s.length <= width ? s : `${s.slice(0, width - 1)}…`;
}

/** First line only, marked when more was cut, so one call stays one line. */
function oneLine(s: string, width = CALL_WIDTH): string {
  const lines = s.trim().split('\n');
  return truncate((lines[0] ?? '') + (lines.length > 1 ? ' …' : ''), width);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** `bash: ls -la`, `write /workspace/a.txt (12 bytes)`, `grep TODO in src`, ... */
export function describeToolCall(name: string, input: Record<string, unknown>): string {
  const path = str(input.file_path) ?? str(input.path);
  const within = str(input.path) ? ` in ${str(input.path)}` : '';
  switch (name) {
    case 'bash':
      if (input.restart === true && !str(input.command)) return 'bash: (restart shell)';
      return `bash: ${oneLine(str(input.command) ?? '')}`;
    case 'read': {
      const range = Array.isArray(input.view_range) ? ` lines ${input.view_range.join('-')}` : '';
      return `read ${path ?? '?'}${range}`;
    }
    case 'write': {
      const bytes = Buffer.byteLength(str(input.content) ?? '');
      return `write ${path ?? '?'} (${bytes} byte${bytes === 1 ? '' : 's'})`;
    }
    case 'edit':
      return `edit ${path ?? '?'}${input.replace_all === true ? ' (all occurrences)' : ''}`;
    case 'glob':
    case 'grep':
      return `${name} ${oneLine(str(input.pattern) ?? '')}${within}`;
    case 'web_fetch':
      return `web_fetch ${oneLine(str(input.url) ?? '')}`;
    case 'web_search':
      return `web_search ${oneLine(str(input.query) ?? '')}`;
    default:
      return `${name} ${truncate(JSON.stringify(input), CALL_WIDTH)}`;
  }
}

/**
 * What a permission prompt must show in full when the one-line description cuts it short: a
 * person cannot approve a command they cannot read.
 */
export function fullToolInput(name: string, input: Record<string, unknown>): string | undefined {
  const command = name === 'bash' ? str(input.command) : undefined;
  if (command === undefined) return undefined;
  return describeToolCall(name, input) === `bash: ${command.trim()}` ? undefined : command.trim();
}

type Block = { type: string; text?: string };

/** The text of message content; non-text blocks are named in brackets. */
export function textOf(content: readonly Block[] | undefined): string {
  return (content ?? []).map((b) => (b.type === 'text' ? (b.text ?? '') : `[${b.type}]`)).join('\n');
}

/** The first few lines of a tool result, each cut to width, with a count of what was left out. */
export function summarizeResult(content: readonly Block[] | undefined): string[] {
  const lines = textOf(content).replace(/\s+$/, '').split('\n');
  if (lines.length === 1 && lines[0] === '') return ['(no output)'];
  const shown = lines.slice(0, RESULT_LINES).map((l) => truncate(l, RESULT_WIDTH));
  const more = lines.length - shown.length;
  if (more > 0) shown.push(`… ${more} more line${more === 1 ? '' : 's'}`);
  return shown;
}

export function formatUsage(usage: BetaManagedAgentsSessionUsage): string {
  const n = (v: number | undefined) => (v ?? 0).toLocaleString('en-US');
  const written = (usage.cache_creation?.ephemeral_5m_input_tokens ?? 0) + (usage.cache_creation?.ephemeral_1h_input_tokens ?? 0);
  return (
    `tokens: ${n(usage.input_tokens)} input · ${n(usage.output_tokens)} output · ` +
    `${n(usage.cache_read_input_tokens)} cache read · ${n(written)} cache write`
  );
}

// The pure parts of `agentd run`: flag parsing and how events are rendered.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunArgs, UsageError } from '../../cli/run/args.js';
import { describeToolCall, formatUsage, fullToolInput, summarizeResult } from '../../cli/run/render.js';
import { titleOf } from '../../cli/run/task-run.js';

describe('agentd run flags', () => {
  const parse = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
    const r = parseRunArgs(argv, env);
    if (r.help) throw new Error('unexpected --help');
    return r.options;
  };

  it('defaults, environment, and flags winning over the environment', () => {
    const d = parse(['fix', 'the', 'bug']);
    expect(d).toMatchObject({ task: 'fix the bug', url: 'http://127.0.0.1:4600', apiKey: undefined, model: 'claude-opus-4-8', json: false, ask: [] });
    expect(d.tools).toHaveLength(8);
    expect(d.keyFile).toBe(path.resolve('.agentd/api-key'));
    const e = parse(['t'], { AGENTD_URL: 'http://h:1/', AGENTD_API_KEY: ' k1, k2', AGENTD_DATA_DIR: '/data' });
    expect(e).toMatchObject({ url: 'http://h:1', apiKey: 'k1', keyFile: '/data/api-key' });
    expect(parse(['--url', 'http://x:2', '--api-key', 'f', 't'], { AGENTD_URL: 'http://h:1', AGENTD_API_KEY: 'k' })).toMatchObject({
      url: 'http://x:2',
      apiKey: 'f',
    });
    // Canonical order and no duplicates, so equal sets give equal agents.
    expect(parse(['--tools', 'write, bash,write', '--ask', 'bash', 't'])).toMatchObject({ tools: ['bash', 'write'], ask: ['bash'] });
  });

  it('usage errors', () => {
    for (const argv of [[], ['--tools', 'nope', 't'], ['--tools', '', 't'], ['--ask', 'bash', '--tools', 'read', 't'], ['--url', 'ftp://x', 't'], ['--bogus', 't']]) {
      expect(() => parseRunArgs(argv, {}), argv.join(' ')).toThrow(UsageError);
    }
    expect(parseRunArgs(['--help'], {})).toEqual({ help: true });
  });
});

describe('agentd run rendering', () => {
  it('one line per tool call', () => {
    expect(describeToolCall('bash', { command: 'ls -la' })).toBe('bash: ls -la');
    expect(describeToolCall('bash', { command: 'cd x\nmake' })).toBe('bash: cd x …');
    expect(describeToolCall('write', { file_path: '/workspace/a.txt', content: 'héllo' })).toBe('write /workspace/a.txt (6 bytes)');
    expect(describeToolCall('read', { file_path: '/a', view_range: [3, 9] })).toBe('read /a lines 3-9');
    expect(describeToolCall('grep', { pattern: 'TODO', path: 'src' })).toBe('grep TODO in src');
    expect(describeToolCall('lookup', { q: 'x' })).toBe('lookup {"q":"x"}');
    expect(describeToolCall('bash', { command: 'x'.repeat(500) }).length).toBeLessThanOrEqual(126);
  });

  it('permission prompts show a cut-short command in full', () => {
    expect(fullToolInput('bash', { command: 'ls' })).toBeUndefined();
    expect(fullToolInput('bash', { command: 'cd x\nrm -rf y' })).toBe('cd x\nrm -rf y');
    expect(fullToolInput('write', { file_path: '/a', content: 'x' })).toBeUndefined();
  });

  it('results: the first lines, then a count', () => {
    const text = (t: string) => [{ type: 'text', text: t }];
    expect(summarizeResult(text('a\nb\nc\nd\ne\nf\n'))).toEqual(['a', 'b', 'c', 'd', '… 2 more lines']);
    expect(summarizeResult([])).toEqual(['(no output)']);
    expect(summarizeResult([{ type: 'image' }])).toEqual(['[image]']);
  });

  it('usage line and title', () => {
    expect(
      formatUsage({ input_tokens: 1234, output_tokens: 5, cache_read_input_tokens: 7, cache_creation: { ephemeral_5m_input_tokens: 2, ephemeral_1h_input_tokens: 1 } }),
    ).toBe('tokens: 1,234 input · 5 output · 7 cache read · 3 cache write');
    expect(titleOf('  fix\n the   bug ')).toBe('fix the bug');
    expect(titleOf('x'.repeat(200))).toHaveLength(80);
  });
});

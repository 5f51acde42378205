// The confined file tools against the SDK's own implementation: the same call, once on host paths
// through the SDK (and agentd's glob), once on sandbox paths through ConfinedFileTools, must give
// the same output once host paths are written as sandbox paths.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfinedFileTools } from '../../src/sandbox/confined/confined-file-tools.js';
import type { ToolOutcome } from '../../src/sandbox/types.js';
import { OUT, WS, buildTree, runSdk, sdkTools, snapshot, text, tmpDir } from './confined/tree.js';

type Call = [name: string, input: Record<string, unknown>];


const READ_CALLS: Call[] = [
  ['read', { file_path: 'a.txt' }],
  ['read', { file_path: 'a.txt', view_range: [2, 2] }],
  ['read', { file_path: 'a.txt', view_range: [2, -1] }],
  ['read', { file_path: 'a.txt', view_range: [3, 1] }],
  ['read', { file_path: 'a.txt', view_range: [1] }],
  ['read', { file_path: 'big.txt' }],
  ['read', { file_path: 'big.txt', view_range: [100, 105] }],
  ['read', { file_path: 'big.txt', view_range: [9999, -1] }],
  ['read', { file_path: 'big.txt', view_range: [1, 9000] }],
  ['read', { file_path: 'big.txt', view_range: [5, 4] }],
  ['read', { file_path: 'crlf.txt' }],
  ['read', { file_path: 'empty.txt' }],
  ['read', { file_path: '.hidden' }],
  ['read', { file_path: 'ünïcode/ファイル.md' }],
  ['read', { file_path: 'missing.txt' }],
  ['read', { file_path: 'missing/deeper.txt' }],
  ['read', { file_path: 'a.txt/x' }],
  ['read', { file_path: 'nested' }],
  ['read', { file_path: 'link-file' }],
  ['read', { file_path: 'link-in/y.js' }],
  ['read', { file_path: 'nested/deep/../y.js' }],
  ['read', { file_path: '../../etc/passwd' }],
  ['read', { file_path: '/etc/passwd' }],
  ['read', { file_path: `${WS}/nested/y.js` }],
  ['read', { file_path: `${OUT}/report.txt` }],
  ['read', { file_path: '' }],
  ['grep', { pattern: 'foo' }],
  ['grep', { pattern: 'foo', path: 'nested' }],
  ['grep', { pattern: 'foo', path: 'link-in' }],
  ['grep', { pattern: 'foo', path: 'a.txt' }],
  ['grep', { pattern: '^line 77\\d ', path: 'big.txt' }],
  ['grep', { pattern: 'foo', path: OUT }],
  ['grep', { pattern: 'no-such-text-anywhere' }],
  ['grep', { pattern: '(' }],
  ['grep', { pattern: '' }],
  ['grep', { pattern: 'foo', path: 'missing' }],
  ['grep', { pattern: 'foo', path: '/etc' }],
  ['glob', { pattern: '**/*.ts' }],
  ['glob', { pattern: '*.txt' }],
  ['glob', { pattern: '**/*' }],
  ['glob', { pattern: '**' }],
  ['glob', { pattern: 'nested' }],
  ['glob', { pattern: 'nested/' }],
  ['glob', { pattern: '*.{ts,js}', path: 'nested' }],
  ['glob', { pattern: '**/.hidden' }],
  ['glob', { pattern: '**/config' }],
  ['glob', { pattern: '**/index.js' }],
  ['glob', { pattern: '*', path: OUT }],
  ['glob', { pattern: '**/*.md' }],
  ['glob', { pattern: 'nomatch*' }],
  ['glob', { pattern: '/etc/*' }],
  ['glob', { pattern: '../*' }],
  ['glob', { pattern: 'a/{..,b}/*' }],
  ['glob', { pattern: '' }],
  ['glob', { pattern: '*', path: '/etc' }],
  ['read', { file_path: 'a.txt/' }],
  ['read', { file_path: 'link-in/../a.txt' }],
  ['read', { file_path: 'a.txt', view_range: [] }],
  ['read', { file_path: 'a.txt', view_range: [0, 0] }],
  ['read', { file_path: '.' }],
  ['grep', { pattern: 'foo', path: 'nested/' }],
  ['grep', { pattern: 'foo', path: '.' }],
  ['grep', { pattern: 'binary', path: 'bin.dat' }],
  ['grep', { pattern: 'foo', path: 'link-file' }],
  ['glob', { pattern: './*.txt' }],
  ['glob', { pattern: '**/deep' }],
  ['glob', { pattern: 'nested/**/*.ts' }],
  ['glob', { pattern: '!*.txt' }],
  ['glob', { pattern: '*', path: '.' }],
  ['glob', { pattern: '*', path: 'link-in' }],
  ['glob', { pattern: '*', path: 'a.txt' }],
  ['glob', { pattern: 'link-in/*' }],
];

const WRITE_CALLS: Call[] = [
  ['write', { file_path: 'new.txt', content: 'hi\n' }],
  ['write', { file_path: 'n1/n2/n3.txt', content: 'deep ✓\n' }],
  ['write', { file_path: 'a.txt', content: 'replaced\n' }],
  ['write', { file_path: 'link-file', content: 'through the link\n' }],
  ['write', { file_path: `${OUT}/new-out.txt`, content: 'out\n' }],
  ['write', { file_path: 'nested', content: 'x' }],
  ['write', { file_path: 'dup.txt/x', content: 'x' }],
  ['write', { file_path: '', content: 'x' }],
  ['write', { file_path: '/etc/agentd-test', content: 'x' }],
  ['write', { file_path: 'empty-content.txt' }],
  ['edit', { file_path: 'crlf.txt', old_string: 'two', new_string: 'TWO' }],
  ['edit', { file_path: 'crlf.txt', old_string: 'absent', new_string: 'x' }],
  ['edit', { file_path: 'dup.txt', old_string: 'foo', new_string: 'bar' }],
  ['edit', { file_path: 'dup.txt', old_string: 'foo', new_string: 'bar', replace_all: true }],
  ['edit', { file_path: 'dollar.txt', old_string: 'X', new_string: "$& $1 $` $'" }],
  ['edit', { file_path: 'mode.sh', old_string: 'echo', new_string: 'printf' }],
  ['edit', { file_path: 'missing.txt', old_string: 'a', new_string: 'b' }],
  ['edit', { file_path: 'nested', old_string: 'a', new_string: 'b' }],
  ['edit', { file_path: 'big.txt', old_string: 'line 1 ', new_string: 'b' }],
  ['edit', { file_path: 'a.txt', old_string: '', new_string: 'b' }],
  ['edit', { file_path: '', old_string: 'a', new_string: 'b' }],
  ['edit', { file_path: 'ünïcode/ファイル.md', old_string: '日本語', new_string: 'にほんご' }],
];

/** The input for the SDK: sandbox paths in it as host paths. */
function toHost(input: Record<string, unknown>, ws: string, out: string): Record<string, unknown> {
  const mapped = { ...input };
  for (const key of ['file_path', 'path']) {
    const v = mapped[key];
    if (typeof v !== 'string') continue;
    if (v === OUT || v.startsWith(OUT + '/')) mapped[key] = out + v.slice(OUT.length);
    else if (v === WS || v.startsWith(WS + '/')) mapped[key] = ws + v.slice(WS.length);
  }
  return mapped;
}

const toSandbox = (s: string, ws: string, out: string) => s.split(out).join(OUT).split(ws).join(WS);

const TRUNCATED = '[output truncated at 102400 bytes]';

/**
 * Same outcome. Grep's output cap counts characters, and host paths are longer than sandbox ones:
 * where both were cut short, the SDK's lines must begin ours and ours must stay within the cap.
 */
function expectSame(call: Call, actual: ToolOutcome, expected: ToolOutcome, ws: string, out: string): void {
  const got = text(actual);
  const want = toSandbox(text(expected), ws, out);
  if (got.endsWith(TRUNCATED) && want.endsWith(TRUNCATED)) {
    const gotLines = got.split('\n').slice(0, -1);
    const wantLines = want.split('\n').slice(0, -1);
    expect({ call, prefix: gotLines.slice(0, wantLines.length) }).toEqual({ call, prefix: wantLines });
    expect(gotLines.join('\n').length).toBeLessThanOrEqual(102_400);
    return;
  }
  expect({ call, isError: actual.isError, text: got }).toEqual({ call, isError: expected.isError, text: want });
}

describe('confined file tools: same output as the SDK', () => {
  let base: string;
  beforeAll(() => {
    base = tmpDir();
  });
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  function setup(name: string) {
    const ws = path.join(base, name, 'ws');
    const out = path.join(base, name, 'out');
    buildTree(ws, out);
    fs.writeFileSync(path.join(ws, 'mode.sh'), 'echo hi\n', { mode: 0o751 });
    fs.chmodSync(path.join(ws, 'mode.sh'), 0o751);
    const confined = new ConfinedFileTools({
      workdir: WS,
      roots: [
        { sandboxPath: WS, hostPath: ws, readOnly: false },
        { sandboxPath: OUT, hostPath: out, readOnly: false },
      ],
    });
    return { ws, out, sdk: sdkTools(ws, out), confined };
  }

  it('read, grep and glob', async () => {
    const { ws, out, sdk, confined } = setup('reads');
    for (const [name, input] of READ_CALLS) {
      const expected = await runSdk(sdk, name, toHost(input, ws, out));
      const actual = await confined.run(name, input, new AbortController().signal);
      expectSame([name, input], actual, expected, ws, out);
    }
  });

  it('write and edit: same output, same resulting tree', async () => {
    const a = setup('sdk-writes');
    const b = setup('confined-writes');
    for (const [name, input] of WRITE_CALLS) {
      const expected = await runSdk(a.sdk, name, toHost(input, a.ws, a.out));
      const actual = await b.confined.run(name, input, new AbortController().signal);
      expectSame([name, input], actual, expected, a.ws, a.out);
    }
    expect(snapshot(b.ws)).toEqual(snapshot(a.ws));
    expect(snapshot(b.out)).toEqual(snapshot(a.out));
  });
});

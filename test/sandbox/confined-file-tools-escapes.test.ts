// The confined file tools run as root on host paths while the agent's bash changes the workspace
// under them: no symlink, `..`, FIFO or concurrent swap may let them read, write or list anything
// outside the roots, and no call may leak an fd.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfinedFileTools } from '../../src/sandbox/confined/confined-file-tools.js';
import { OUT, WS, confinedCaller, tmpDir } from './confined/tree.js';

const SECRET = 'TOPSECRET-7f3a';
const OUTSIDE = "is outside the session's working directory and its other permitted directories";

describe('confined file tools: escapes', () => {
  let base: string;
  let ws: string;
  let out: string;
  let secretDir: string;
  let tools: ConfinedFileTools;
  const run = confinedCaller(() => tools);
  /** Everything under `base` outside the two roots, to prove nothing was created there. */
  const outsideListing = () => fs.readdirSync(base, { recursive: true }).map(String).filter((p) => !p.startsWith('ws') && !p.startsWith('out')).sort();

  beforeAll(() => {
    base = tmpDir();
    ws = path.join(base, 'ws');
    out = path.join(base, 'out');
    secretDir = path.join(base, 'secret');
    fs.mkdirSync(ws);
    fs.mkdirSync(out);
    fs.mkdirSync(secretDir);
    fs.writeFileSync(path.join(secretDir, 'secret.txt'), `${SECRET}\n`);
    fs.writeFileSync(path.join(secretDir, 'only-in-secret.txt'), `${SECRET}\n`);
    fs.writeFileSync(path.join(out, 'report.txt'), 'report\n');
    fs.writeFileSync(path.join(ws, 'a.txt'), 'a\n');
    fs.symlinkSync('../secret', path.join(ws, 'evil-rel'));
    fs.symlinkSync(secretDir, path.join(ws, 'evil-abs'));
    fs.symlinkSync('../secret/secret.txt', path.join(ws, 'leaf-rel'));
    fs.symlinkSync(path.join(secretDir, 'secret.txt'), path.join(ws, 'leaf-abs'));
    fs.symlinkSync(OUT, path.join(ws, 'to-out'));
    fs.symlinkSync('/etc', path.join(ws, 'to-etc'));
    fs.symlinkSync(path.join(base, 'created-outside.txt'), path.join(ws, 'dangle-abs'));
    fs.symlinkSync('../../../created-outside.txt', path.join(ws, 'dangle-rel'));
    fs.symlinkSync(`${OUT}/made-through-link.txt`, path.join(ws, 'dangle-in'));
    fs.symlinkSync('loop2', path.join(ws, 'loop1'));
    fs.symlinkSync('loop1', path.join(ws, 'loop2'));
    tools = new ConfinedFileTools({
      workdir: WS,
      roots: [
        { sandboxPath: WS, hostPath: ws, readOnly: false },
        { sandboxPath: OUT, hostPath: out, readOnly: false },
      ],
    });
  });
  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  it('symlinks to a host directory, as a parent or as the leaf, relative or absolute, are refused', async () => {
    const before = outsideListing();
    for (const p of ['evil-rel/secret.txt', 'evil-abs/secret.txt', 'leaf-rel', 'leaf-abs', '../../etc/passwd', '/etc/passwd', 'to-etc/passwd', `${secretDir}/secret.txt`]) {
      for (const [name, input] of [
        ['read', { file_path: p }],
        ['write', { file_path: p, content: 'pwned' }],
        ['edit', { file_path: p, old_string: SECRET, new_string: 'pwned' }],
        ['grep', { pattern: '.', path: p }],
        ['glob', { pattern: '**', path: p }],
      ] as const) {
        const r = await run(name, input);
        expect({ name, p, r }).toEqual({ name, p, r: { isError: true, text: `path ${JSON.stringify(p)} ${OUTSIDE}` } });
      }
    }
    expect(fs.readFileSync(path.join(secretDir, 'secret.txt'), 'utf8')).toBe(`${SECRET}\n`);
    expect(outsideListing()).toEqual(before);
  });

  it('a symlink to an absolute sandbox path of another root is followed; one outside every root is not', async () => {
    expect(await run('read', { file_path: 'to-out/report.txt' })).toEqual({ isError: false, text: 'report\n' });
    expect(await run('grep', { pattern: 'rep', path: 'to-out' })).toEqual({ isError: false, text: `${OUT}/report.txt:1:report` });
    expect((await run('read', { file_path: 'to-etc/hostname' })).text).toBe(`path "to-etc/hostname" ${OUTSIDE}`);
  });

  it('writing through a dangling symlink never creates its target outside the roots', async () => {
    const before = outsideListing();
    expect((await run('write', { file_path: 'dangle-abs', content: 'x' })).text).toBe(`path "dangle-abs" ${OUTSIDE}`);
    expect((await run('write', { file_path: 'dangle-rel', content: 'x' })).text).toBe(`path "dangle-rel" ${OUTSIDE}`);
    expect(await run('write', { file_path: 'dangle-in', content: 'in\n' })).toEqual({ isError: false, text: 'wrote 3 bytes to dangle-in' });
    expect(fs.readFileSync(path.join(out, 'made-through-link.txt'), 'utf8')).toBe('in\n');
    expect(fs.lstatSync(path.join(ws, 'dangle-in')).isSymbolicLink()).toBe(true);
    expect(outsideListing()).toEqual(before);
  });

  it('a symlink loop is refused like realpath refuses it', async () => {
    expect(await run('read', { file_path: 'loop1' })).toEqual({ isError: true, text: 'path "loop1": too many levels of symbolic links' });
    expect(await run('write', { file_path: 'loop1/x', content: '' })).toEqual({ isError: true, text: 'path "loop1/x": too many levels of symbolic links' });
  });

  it('whole-workspace grep and glob never show what lies behind a link', async () => {
    expect((await run('grep', { pattern: SECRET })).text).toBe('no matches');
    expect((await run('glob', { pattern: '**' })).text).not.toContain('secret');
    // a pattern's static prefix is followed like tinyglobby follows it, but never out of the search root
    expect((await run('glob', { pattern: 'evil-abs/*' })).text).toBe('no matches');
    expect((await run('glob', { pattern: 'evil-rel/**' })).text).toBe('no matches');
    expect((await run('glob', { pattern: 'to-out/*' })).text).toBe('no matches');
  });

  it('a FIFO is refused without blocking', { timeout: 5_000 }, async () => {
    fs.mkdirSync(path.join(ws, 'pipes'));
    const fifo = path.join(ws, 'pipes', 'fifo');
    const made = spawn('mkfifo', [fifo]);
    await new Promise((resolve) => made.once('exit', resolve));
    fs.writeFileSync(path.join(ws, 'pipes', 'plain.txt'), 'plain\n');
    expect(await run('read', { file_path: 'pipes/fifo' })).toEqual({ isError: true, text: 'read: pipes/fifo is not a regular file' });
    expect(await run('edit', { file_path: 'pipes/fifo', old_string: 'a', new_string: 'b' })).toEqual({ isError: true, text: 'edit: pipes/fifo is not a regular file' });
    expect(await run('grep', { pattern: '.', path: 'pipes/fifo' })).toEqual({ isError: false, text: 'no matches' });
    expect(await run('grep', { pattern: '.', path: 'pipes' })).toEqual({ isError: false, text: `${WS}/pipes/plain.txt:1:plain` });
    expect(await run('glob', { pattern: '*', path: 'pipes' })).toEqual({ isError: false, text: `${WS}/pipes/plain.txt` });
    fs.rmSync(path.join(ws, 'pipes'), { recursive: true });
  });

  it('a directory flipped to a symlink to the host, 2,000 calls: the secret never shows, nothing is made outside', { timeout: 120_000 }, async () => {
    const d = path.join(ws, 'd');
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, 'secret.txt'), 'benign\n');
    const before = outsideListing();
    const secrets = fs.readdirSync(secretDir).sort();
    // the agent's bash: d is a real directory, then a symlink to the secret directory, and again, as
    // fast as it can; every step may fail (the tools create things in d too) without it ever stalling
    const flipper = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('fs');
         const [d, target] = process.argv.slice(1);
         const step = (f) => { try { f(); } catch {} };
         process.stdout.write('ready\\n');
         for (;;) {
           step(() => fs.rmSync(d, { recursive: true, force: true }));
           step(() => fs.mkdirSync(d));
           step(() => fs.writeFileSync(d + '/secret.txt', 'benign\\n'));
           step(() => fs.rmSync(d, { recursive: true, force: true }));
           step(() => fs.symlinkSync(target, d));
         }`,
        d,
        secretDir,
      ],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    await new Promise((resolve) => flipper.stdout.once('data', resolve));
    try {
      const seen = new Map<string, number>();
      for (let i = 0; i < 2000; i++) {
        const r =
          i % 4 === 0
            ? await run('read', { file_path: 'd/secret.txt' })
            : i % 4 === 1
              ? await run('write', { file_path: i % 8 === 1 ? 'd/secret.txt' : `d/new-${i}.txt`, content: 'written\n' })
              : i % 4 === 2
                ? await run('grep', { pattern: '.', path: i % 8 === 2 ? 'd/secret.txt' : 'd' })
                : await run('glob', { pattern: '**', path: 'd' });
        expect(r.text).not.toContain(SECRET);
        expect(r.text).not.toContain('only-in-secret');
        const kind = r.isError ? r.text.replace(/\d+/g, 'N') : 'ok';
        seen.set(kind, (seen.get(kind) ?? 0) + 1);
      }
      // the race was real: some calls met the directory, some the symlink
      expect(seen.get('ok')).toBeGreaterThan(0);
      expect([...seen.keys()].some((s) => s.includes(OUTSIDE))).toBe(true);
    } finally {
      flipper.kill('SIGKILL');
      await new Promise((resolve) => flipper.once('close', resolve));
    }
    expect(fs.readdirSync(secretDir).sort()).toEqual(secrets);
    expect(fs.readFileSync(path.join(secretDir, 'secret.txt'), 'utf8')).toBe(`${SECRET}\n`);
    expect(outsideListing()).toEqual(before);
  });

  it('no fd is left open after 500 mixed calls, failing ones included', async () => {
    const fds = () => fs.readdirSync('/proc/self/fd').length;
    const calls: Array<[string, Record<string, unknown>]> = [
      ['read', { file_path: 'a.txt' }],
      ['read', { file_path: 'a.txt', view_range: [1, 1] }],
      ['read', { file_path: 'missing.txt' }],
      ['read', { file_path: 'evil-abs/secret.txt' }],
      ['read', { file_path: 'loop1' }],
      ['read', { file_path: 'to-out/report.txt' }],
      ['write', { file_path: 'fd/x/y.txt', content: 'y' }],
      ['write', { file_path: 'a.txt/no', content: 'y' }],
      ['edit', { file_path: 'fd/x/y.txt', old_string: 'y', new_string: 'y' }],
      ['edit', { file_path: 'fd/x/y.txt', old_string: 'absent', new_string: 'z' }],
      ['grep', { pattern: 'a' }],
      ['grep', { pattern: '(' }],
      ['glob', { pattern: '**' }],
      ['glob', { pattern: '**', path: 'missing' }],
    ];
    // a grep's worker thread lets go of its own event-loop fds a little after it is terminated
    const settled = async () => {
      let last = -1;
      for (let n = fds(), waited = 0; n !== last && waited < 5_000; last = n, n = fds(), waited += 200) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      return fds();
    };
    const start = await settled();
    for (let i = 0; i < 500; i++) {
      const [name, input] = calls[i % calls.length]!;
      await run(name, input);
    }
    expect(await settled()).toBe(start);
  });
});

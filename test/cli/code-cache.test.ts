// The bundle's launcher (cli/bin.ts): the CommonJS bundle runs from a V8 code cache written at the
// first exit and refused (then rewritten) when it does not fit, and stack traces through a bundle
// name the TypeScript sources from its source map. Real child processes on the compiled launcher
// modules (dist/cli), bundles built with esbuild as scripts/bundle.mjs builds the real one.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { BUNDLE_BIN } from './run-cli.js';
// @ts-expect-error: a build script in plain JavaScript, without types
import { slimSourceMap } from '../../scripts/slim-source-map.mjs';
import { useTempDirs } from '../helpers/temp-dirs.js';

const CODE_CACHE = path.resolve('dist/cli/code-cache.js');
const STACKS = path.resolve('dist/cli/source-mapped-stacks.js');

const tempDir = useTempDirs('agentd-code-cache-');

/**
 * A small TypeScript program bundled to `<dir>/main.cjs` with a linked map, as the real bundle is;
 * `files` are more files beside it (e.g. `node_modules/lib/index.js`).
 */
async function bundleOf(source: string, files: Record<string, string> = {}): Promise<{ dir: string; bundle: string }> {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'thrower.ts'), source);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  await build({
    entryPoints: { main: path.join(dir, 'thrower.ts') },
    outdir: dir,
    outExtension: { '.js': '.cjs' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'silent',
  });
  return { dir, bundle: path.join(dir, 'main.cjs') };
}

/** Runs the bundle the way the launcher does; says whether the code cache was used. */
function launch(bundle: string): { stdout: string; cache: string } {
  const script = `
    import { runWithCodeCache } from ${JSON.stringify(CODE_CACHE)};
    import { installSourceMappedStacks } from ${JSON.stringify(STACKS)};
    installSourceMappedStacks(${JSON.stringify(path.dirname(bundle))});
    const verdict = runWithCodeCache(${JSON.stringify(bundle)});
    process.on('exit', () => process.stdout.write('\\ncache=' + verdict + '\\n'));`;
  const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  const cache = /\ncache=(\w+)\n$/.exec(stdout)?.[1] ?? '(none)';
  return { stdout: stdout.replace(/\ncache=\w+\n$/, ''), cache };
}

describe('the launcher runs the bundle from a code cache', () => {
  it('writes the cache at the first exit, uses it next time, and rewrites one V8 refuses', async () => {
    const { dir, bundle } = await bundleOf(`export const answer = [6, 7].reduce((a, b) => a * b);\nconsole.log('answer', answer, typeof require, __filename.endsWith('main.cjs'));\n`);
    const cacheFile = () => fs.readdirSync(dir).find((f) => f.startsWith('main.cjs.') && f.endsWith('.cache'));

    const first = launch(bundle);
    expect(first.stdout.trim()).toBe('answer 42 function true');
    expect(first.cache).toBe('missing');
    expect(cacheFile(), 'written at exit').toBe(`main.cjs.${process.version}-${process.arch}.cache`);

    const second = launch(bundle);
    expect(second.stdout.trim()).toBe('answer 42 function true');
    expect(second.cache).toBe('cached');

    // A cache from elsewhere (here: garbage) is refused by V8's own checks; the program still runs.
    fs.writeFileSync(path.join(dir, cacheFile()!), Buffer.alloc(4096, 7));
    const third = launch(bundle);
    expect(third.stdout.trim()).toBe('answer 42 function true');
    expect(third.cache).toBe('rejected');
    expect(launch(bundle).cache, 'rewritten at the refused run’s exit').toBe('cached');

    // The bundle changed after its cache was written (same length, so V8 would not notice): not used.
    fs.writeFileSync(bundle, fs.readFileSync(bundle, 'latin1').replace('[6, 7]', '[7, 7]'), 'latin1');
    const future = new Date(Date.now() + 5_000);
    fs.utimesSync(bundle, future, future);
    const changed = launch(bundle);
    expect(changed.stdout.trim()).toBe('answer 49 function true');
    expect(changed.cache).toBe('missing');
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('maps stack frames through the bundle to the TypeScript source', async () => {
    const source = [
      'function deepest(): never {',
      "  throw new Error('mapped?');",
      '}',
      'export function middle(): void {',
      '  deepest();',
      '}',
      'try {',
      '  middle();',
      '} catch (err) {',
      '  console.log((err as Error).stack);',
      '}',
      '',
    ].join('\n');
    const { dir, bundle } = await bundleOf(source);
    const { stdout } = launch(bundle);
    const frames = stdout.split('\n');
    expect(frames[0]).toBe('Error: mapped?');
    expect(frames[1]).toContain(`at deepest (${path.join(dir, 'thrower.ts')}:2:9)`);
    expect(frames[2]).toContain(`at middle (${path.join(dir, 'thrower.ts')}:5:3)`);
    expect(stdout).not.toContain('main.cjs:');
  });

  it('with the slimmed map (scripts/slim-source-map.mjs): own frames name their source line, dependency frames the bundle', async () => {
    // In bundle order: first.ts (own, mapped), the dependency (not mapped), thrower.ts (own, mapped).
    const source = [
      "import './first';",
      "import { callBack } from 'lib';",
      'function deepest(): never {',
      "  throw new Error('slim?');",
      '}',
      'try {',
      '  callBack(() => deepest());',
      '} catch (err) {',
      '  console.log((err as Error).stack);',
      '}',
      '',
    ].join('\n');
    const lib = ['export function callBack(fn) {', '  return [fn][0]();', '}', ''].join('\n');
    const { dir, bundle } = await bundleOf(source, {
      'first.ts': 'const mark: number = 1;\n(globalThis as Record<string, unknown>).first = mark;\n',
      'node_modules/lib/index.js': lib,
      'node_modules/lib/package.json': '{"name":"lib","type":"module","main":"index.js"}',
    });
    const { segmentsBefore, segmentsAfter } = slimSourceMap(`${bundle}.map`);
    expect(segmentsAfter).toBeGreaterThan(0);
    expect(segmentsAfter).toBeLessThan(segmentsBefore);
    expect(JSON.parse(fs.readFileSync(`${bundle}.map`, 'utf8')).sources).toEqual(['first.ts', 'thrower.ts']);

    const frames = launch(bundle).stdout.split('\n');
    expect(frames[0]).toBe('Error: slim?');
    expect(frames[1]).toMatch(new RegExp(`at deepest \\(${escape(path.join(dir, 'thrower.ts'))}:4:\\d+\\)`));
    // The dependency's frame is not charged to the nearest mapped line before it (thrower.ts).
    const libFrame = frames.find((f) => f.includes('callBack'));
    expect(libFrame).toMatch(new RegExp(`${escape(bundle)}:\\d+:\\d+`));
    expect(frames.some((f) => new RegExp(`${escape(path.join(dir, 'thrower.ts'))}:7:\\d+`).test(f)), 'the caller, line 7').toBe(true);
  });
});

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('the built bundle', () => {
  it('ships its code cache for this Node.js, warmed by one start of the server at build time', () => {
    const dir = path.dirname(BUNDLE_BIN);
    expect(fs.existsSync(path.join(dir, `main.cjs.${process.version}-${process.arch}.cache`)), 'npm run build warms it').toBe(true);
    // ASCII only (the launcher reads it as Latin-1), and strict like the ES modules it was made of.
    const head = fs.readFileSync(path.join(dir, 'main.cjs'), 'latin1');
    expect(/[^\x00-\x7f]/.test(head)).toBe(false);
    expect(head.split('\n')[1]).toBe("'use strict';");
    expect(execFileSync(process.execPath, [BUNDLE_BIN, '--version'], { encoding: 'utf8' })).toMatch(/\d+\.\d+\.\d+/);
    // Its map is slimmed to agentd's own sources (a first stack trace would otherwise parse ~6 MB).
    const sources: string[] = JSON.parse(fs.readFileSync(path.join(dir, 'main.cjs.map'), 'utf8')).sources;
    expect(sources).toContain('../../src/services/server.ts');
    expect(sources.filter((s) => s.includes('node_modules') || s.includes('://'))).toEqual([]);
  });
});

// `npm run build` (after `tsc -p .`): bundles the agentd CLI into dist/bundle/ with esbuild, so
// `agentd serve` loads one file instead of ~1,500 module files, and warms that file's V8 code
// cache (docs/benchmarks.md, "Start-up"):
//   main.cjs    the CLI (cli/main.ts and everything it imports), CommonJS so that V8 can cache
//               its compiled code (Node 20 has no code cache for ES modules)
//   agentd.js   the launcher (cli/bin.ts, package.json's bin): runs main.cjs from its code cache
//   main.cjs.<node version>-<arch>.cache   written by one start of the server, below
//   ../sqlite-template-<digest>.sqlite   what a new SQLite database starts as (src/store/sqlite/schema-template.ts),
//               made from the compiled migrations after that start (which migrates its scratch database, so the code
//               cache holds the migrations for a start on a new PostgreSQL database)
// dist/ from tsc stays as it is: tests, the sandbox's tool host (bound from dist/src/sandbox) and the
// CLI's other users run the compiled files.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { slimSourceMap } from './slim-source-map.mjs';

const outdir = 'dist/bundle';
fs.rmSync(outdir, { recursive: true, force: true });
const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' };
const result = await build({
  ...common,
  entryPoints: { main: 'cli/main.ts' },
  outdir,
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  sourcemap: 'linked',
  sourcesContent: false,
  // Native addons (and their optional native companions) cannot be bundled; they load from
  // node_modules at run time, as before.
  external: ['better-sqlite3', 'pg-native'],
  // Modules that find files beside themselves (the sandbox's tool host, package.json) see the bundle's
  // URL. The banner keeps strict mode (ES modules are strict; esbuild's own directive would follow it).
  define: { 'import.meta.url': '__agentdImportMetaUrl' },
  banner: { js: "'use strict';\nvar __agentdImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  // import() of what stays outside (Node's built-ins) becomes require(): a script compiled with
  // vm.Script would otherwise need Node's experimental import callback (and print its warning).
  supported: { 'dynamic-import': false },
  // BUNDLE_META=1 writes dist/bundle/meta.json (which inputs are in the bundle; not shipped by default).
  metafile: Boolean(process.env.BUNDLE_META),
});
if (result.metafile) fs.writeFileSync(`${outdir}/meta.json`, JSON.stringify(result.metafile));
asciiOnly(`${outdir}/main.cjs`);
slimSourceMap(`${outdir}/main.cjs.map`);
await build({ ...common, entryPoints: { agentd: 'cli/bin.ts' }, outdir, format: 'esm' });
fs.chmodSync(`${outdir}/agentd.js`, 0o755);
const { removeTemplates } = await import('../dist/src/store/sqlite/schema-template.js');
removeTemplates('dist');
await warmCodeCache();
const { writeSqliteTemplate } = await import('../dist/src/store/sqlite/open-sqlite-store.js');
await writeSqliteTemplate('dist');

/**
 * The launcher reads the bundle as Latin-1, a third of the time of UTF-8 for 11 MB, and V8 keeps
 * one byte per character: so the file must be ASCII. esbuild escapes non-ASCII characters in code
 * already (its default `charset`); the ones left are in comments, escaped here, and the hashbang
 * line becomes a comment (the launcher wraps the file in a function). Lines stay where they are.
 */
function asciiOnly(file) {
  const text = fs.readFileSync(file, 'utf8').replace(/^#!/, '//');
  fs.writeFileSync(file, text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/**
 * Starts the bundled server once (a scratch data dir, SQLite, no sandbox, loopback, a free port)
 * until /health answers, then stops it: at exit the launcher writes the code cache with every
 * function the start compiled. Best effort: without it the first start writes the cache.
 */
async function warmCodeCache() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-warm-'));
  const port = await freePort();
  // Only what the start needs: no DATABASE_URL, provider or NODE_OPTIONS of the building shell.
  const env = { PATH: process.env.PATH ?? '', HOME: os.homedir(), AGENTD_SANDBOX: 'none', AGENTD_LOG_LEVEL: 'error', AGENTD_API_KEY: 'sk-agentd-warm-cache' };
  const child = spawn(process.execPath, [`${outdir}/agentd.js`, 'serve', '--host', '127.0.0.1', '--port', String(port), '--data-dir', dataDir], { env, stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const deadline = Date.now() + 30_000;
    while (child.exitCode === null && Date.now() < deadline && (await health(port)) !== 200) await new Promise((r) => setTimeout(r, 20));
  } finally {
    child.kill('SIGTERM');
    await exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const cached = fs.readdirSync(outdir).find((f) => f.endsWith('.cache'));
  if (!cached) console.warn('bundle: the code cache was not written (the first start will write it)');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function health(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/health', timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
  });
}

// `npm run build` (after `tsc -p .`): bundles the agentd CLI into dist/bundle/ with esbuild, so
// `agentd serve` loads a handful of files instead of ~1,500 module files (docs/benchmarks.md,
// "Start-up"). Code splitting keeps the lazy imports lazy: each `await import()` becomes its own
// chunk, loaded at first use as before. dist/ from tsc stays as it is: tests, the sandbox's tool
// host (bound from dist/src/sandbox) and the CLI's other users run the compiled files.
import { build } from 'esbuild';
import fs from 'node:fs';

const outdir = 'dist/bundle';
fs.rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: { agentd: 'cli/bin.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  sourcesContent: false,
  // Native addons (and their optional native companions) cannot be bundled; they load from
  // node_modules at run time, as before.
  external: ['better-sqlite3', 'pg-native'],
  // CommonJS dependencies bundled into ESM still call require() for Node's built-ins.
  banner: { js: "import { createRequire as __agentdCreateRequire } from 'node:module'; const require = __agentdCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  // BUNDLE_META=1 writes dist/bundle/meta.json (which inputs are in which chunk; not shipped by default).
  metafile: Boolean(process.env.BUNDLE_META),
});
if (result.metafile) fs.writeFileSync(`${outdir}/meta.json`, JSON.stringify(result.metafile));
fs.chmodSync(`${outdir}/agentd.js`, 0o755);

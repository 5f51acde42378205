// Runs the CommonJS bundle of the agentd CLI (dist/bundle/main.cjs) with a V8 code cache beside it.
// Compiling the ~11 MB bundle is most of a cold start; V8 deserialising the functions a previous
// start compiled takes a fraction of that (docs/benchmarks.md, "Start-up"). The cache is built by
// `npm run build` (scripts/bundle.mjs starts the server once) and rewritten at exit whenever it is
// missing or V8 refuses it (another Node.js, other V8 flags). It is executable code, so it lives
// only beside the bundle, written by whoever may write the bundle itself; never in a shared place.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';

/** The cache file of `bundle` for this Node.js and CPU (another Node.js gets its own). */
export function codeCacheFile(bundle: string): string {
  return `${bundle}.${process.version}-${process.arch}.cache`;
}

/**
 * Compiles and runs `bundle` as a CommonJS module, from its code cache when V8 accepts it. Says
 * whether the cache was used, or is to be written at exit (none yet, or V8 refused it).
 */
export function runWithCodeCache(bundle: string): 'cached' | 'missing' | 'rejected' {
  const cacheFile = codeCacheFile(bundle);
  // ASCII (scripts/bundle.mjs makes it so): Latin-1 reads it three times faster than UTF-8.
  const source = fs.readFileSync(bundle, 'latin1');
  let cachedData: Buffer | undefined;
  try {
    // V8 checks the cache against the source's length only: one older than the bundle is stale.
    if (fs.statSync(cacheFile).mtimeMs >= fs.statSync(bundle).mtimeMs) cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined; // first start with this Node.js: written at exit
  }
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData,
    // The build turns import() into require(); one that remained would go through the normal loader.
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const cache = cachedData === undefined ? 'missing' : script.cachedDataRejected ? 'rejected' : 'cached';
  if (cache !== 'cached') {
    // At exit the cache holds every function compiled so far (the start's included), not just the top level.
    process.once('exit', () => writeCodeCache(script, cacheFile));
  }
  const module = { exports: {}, filename: bundle, id: bundle, loaded: false };
  (script.runInThisContext() as (...args: unknown[]) => void).call(
    module.exports,
    module.exports,
    createRequire(bundle),
    module,
    bundle,
    path.dirname(bundle),
  );
  return cache;
}

function writeCodeCache(script: vm.Script, cacheFile: string): void {
  const temp = `${cacheFile}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temp, script.createCachedData());
    fs.renameSync(temp, cacheFile); // whole or not at all, also when two processes exit together
  } catch {
    fs.rmSync(temp, { force: true }); // not writable here (an installation owned by another user): run uncached
  }
}

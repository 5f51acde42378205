// `agentd packages list|clear`: looks at and empties the cache of environment package layers
// (docs/sandbox.md "Environment packages"). Works on the files only; no server is needed.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../src/config/config.js';
import { cachedLayers } from '../../src/services/package-cache.js';
import { PACKAGES_USAGE } from './usage.js';

const USAGE = `usage: agentd packages list | clear [<key>...] [options]\n\n${PACKAGES_USAGE}`;

const size = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`);

export async function packagesCommand(argv: string[]): Promise<number> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`agentd packages: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [verb, ...keys] = positionals;
  if ((verb !== 'list' && verb !== 'clear') || (verb === 'list' && keys.length > 0)) {
    process.stderr.write(`agentd packages: expected "list" or "clear [<key>...]"\n\n${USAGE}`);
    return 2;
  }
  const dir = loadConfig({ dataDir: values['data-dir'] }).sandbox.packages.dir;
  const layers = cachedLayers(dir);
  if (verb === 'list') {
    for (const l of layers) {
      const pkgs = Object.entries(l.packages ?? {}).filter(([, v]) => v && v.length > 0).map(([m, v]) => `${m}: ${v!.join(', ')}`).join('; ');
      process.stdout.write(`${l.key}  ${size(l.bytes).padStart(10)}  ${l.builtAt ?? '-'}  ${pkgs || '(no manifest)'}\n`);
    }
    const total = layers.reduce((n, l) => n + l.bytes, 0);
    process.stdout.write(`${layers.length} layer${layers.length === 1 ? '' : 's'}, ${size(total)} in ${dir}\n`);
    return 0;
  }
  const chosen = keys.length === 0 ? layers : layers.filter((l) => keys.includes(l.key));
  const missing = keys.filter((k) => !layers.some((l) => l.key === k));
  for (const l of chosen) fs.rmSync(l.path, { recursive: true, force: true });
  process.stdout.write(`deleted ${chosen.length} layer${chosen.length === 1 ? '' : 's'} (${size(chosen.reduce((n, l) => n + l.bytes, 0))})\n`);
  for (const k of missing) process.stderr.write(`agentd packages: no layer ${k} in ${dir}\n`);
  return missing.length > 0 ? 1 : 0;
}

// The cache of package layers: one directory per package set under AGENTD_PACKAGES_DIR, built
// once and reused by every later session that asks for the same set. A build happens in a
// private staging directory that is renamed into place only when the installer succeeded, so a
// layer that exists is complete; a crash mid-build leaves only staging, swept at the next start.
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../logger.js';
import { describePackageSet, packageSetKey, type PackageSet } from './package-set.js';
import { processAlive } from '../process-alive.js';

/** One build's directories: `layer` becomes the cached layer; `work` is the installer's scratch space. */
export interface LayerBuild {
  /** The staging directory holding both (deleted after the build). */
  root: string;
  layer: string;
  work: string;
  /** Unique per build: names the installer's sandbox (logs, proxy endpoint). */
  name: string;
}

export type InstallResult = { ok: true } | { ok: false; message: string };
export type LayerResult = { ok: true; layer: string; built: boolean } | { ok: false; message: string };

/** Written into each finished layer: what it holds (for operators looking at the cache). */
export const LAYER_MANIFEST = '.agentd-packages.json';
const STAGING_PREFIX = '.build-';

export class PackageLayers {
  /** Builds under way in this process: sessions asking for the same set wait for the one build. */
  private readonly building = new Map<string, Promise<LayerResult>>();

  constructor(
    readonly dir: string,
    private readonly logger: Logger,
  ) {}

  /** Creates the cache directory and removes staging left by builds of processes that died. */
  prepare(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o755 });
    for (const name of fs.readdirSync(this.dir)) {
      const pid = Number(new RegExp(`^\\${STAGING_PREFIX}[0-9a-f]+-(\\d+)-`).exec(name)?.[1]);
      if (!pid || pid === process.pid || processAlive(pid)) continue;
      fs.rmSync(path.join(this.dir, name), { recursive: true, force: true });
      this.logger.info({ staging: name }, 'removed an unfinished package layer build');
    }
  }

  layerPath(set: PackageSet): string {
    return path.join(this.dir, packageSetKey(set));
  }

  /** The set's layer: the cached one, or one built now by `install` (once, however many sessions ask). */
  ensure(set: PackageSet, install: (build: LayerBuild) => Promise<InstallResult>): Promise<LayerResult> {
    const key = packageSetKey(set);
    const final = path.join(this.dir, key);
    if (fs.existsSync(final)) return Promise.resolve({ ok: true, layer: final, built: false });
    let pending = this.building.get(key);
    if (!pending) {
      pending = this.build(set, key, final, install).finally(() => this.building.delete(key));
      this.building.set(key, pending);
    }
    return pending;
  }

  private async build(set: PackageSet, key: string, final: string, install: (build: LayerBuild) => Promise<InstallResult>): Promise<LayerResult> {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o755 });
    const root = fs.mkdtempSync(path.join(this.dir, `${STAGING_PREFIX}${key.slice(0, 16)}-${process.pid}-`));
    const build: LayerBuild = { root, layer: path.join(root, 'layer'), work: path.join(root, 'work'), name: `packages-${path.basename(root).slice(STAGING_PREFIX.length)}` };
    fs.mkdirSync(build.layer, { mode: 0o755 });
    fs.mkdirSync(build.work, { mode: 0o700 });
    const started = Date.now();
    this.logger.info({ packages: describePackageSet(set), layer: key }, 'installing environment packages');
    try {
      const result = await install(build);
      if (!result.ok) {
        this.logger.warn({ packages: describePackageSet(set), layer: key, reason: result.message }, 'environment packages failed to install');
        return result;
      }
      fs.writeFileSync(path.join(build.layer, LAYER_MANIFEST), JSON.stringify({ packages: set, built_at: new Date().toISOString() }, null, 2) + '\n');
      // Readable by every sandbox user; never written again (mounted read-only).
      fs.chmodSync(build.layer, 0o755);
      try {
        fs.renameSync(build.layer, final);
      } catch (err) {
        // Another process finished the same set first: its layer is as good as ours.
        const code = (err as NodeJS.ErrnoException).code;
        if ((code !== 'EEXIST' && code !== 'ENOTEMPTY') || !fs.existsSync(final)) throw err;
      }
      this.logger.info({ packages: describePackageSet(set), layer: key, duration_ms: Date.now() - started, bytes: diskUsage(final) }, 'environment packages installed');
      return { ok: true, layer: final, built: true };
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  }
}

/** A finished layer in the cache, as its manifest describes it. */
export interface CachedLayer {
  key: string;
  path: string;
  packages: Partial<PackageSet> | undefined;
  builtAt: string | undefined;
  bytes: number;
}

/** The finished layers under `dir` (staging is not listed), oldest first. */
export function cachedLayers(dir: string): CachedLayer[] {
  if (!fs.existsSync(dir)) return [];
  const layers: CachedLayer[] = [];
  for (const name of fs.readdirSync(dir)) {
    if (!/^[0-9a-f]{64}$/.test(name)) continue;
    const p = path.join(dir, name);
    let manifest: { packages?: Partial<PackageSet>; built_at?: string } = {};
    try {
      manifest = JSON.parse(fs.readFileSync(path.join(p, LAYER_MANIFEST), 'utf8')) as typeof manifest;
    } catch {
      // a layer without a readable manifest is still a layer
    }
    layers.push({ key: name, path: p, packages: manifest.packages, builtAt: manifest.built_at, bytes: diskUsage(p) });
  }
  return layers.sort((a, b) => (a.builtAt ?? '').localeCompare(b.builtAt ?? ''));
}


/** Bytes of regular files under `dir` (for the log line: how much a layer costs). */
export function diskUsage(dir: string): number {
  let total = 0;
  const visit = (p: string) => {
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isFile()) total += st.size;
    else if (st.isDirectory()) for (const name of fs.readdirSync(p)) visit(path.join(p, name));
  };
  visit(dir);
  return total;
}

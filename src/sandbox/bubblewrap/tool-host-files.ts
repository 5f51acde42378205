// What the tool host needs to run inside the sandbox, and nothing more: the node binary, its
// compiled entry (plus the one module it imports) and the npm packages those import, each as a
// read-only bind. Deliberately not the project directory: the data dir may live inside it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the tool host's files appear inside the sandbox. */
export const SANDBOX_APP_DIR = '/opt/agentd/app';
export const SANDBOX_BIN_DIR = '/opt/agentd/bin';
export const SANDBOX_NODE = `${SANDBOX_BIN_DIR}/node`;

/** Compiled modules the tool host loads, relative to the compiled `src/sandbox` directory. */
const MODULES = ['bubblewrap/tool-host.js', 'direct/glob-tool.js'];
/** npm packages imported by those modules (their dependencies are added transitively). */
const ROOT_PACKAGES = ['@anthropic-ai/sdk', 'tinyglobby'];

export interface HostBind {
  hostPath: string;
  sandboxPath: string;
}

export interface ToolHostFiles {
  /** Read-only binds: node, compiled modules, packages. */
  binds: HostBind[];
  /** The entry to run, as seen inside the sandbox. */
  entry: string;
}

function projectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'node_modules'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package root above ${from}`);
  }
}

/**
 * The compiled `src/sandbox` directory. Running from TypeScript sources (tests, tsx) the tool host
 * still runs compiled, from `dist/` — so `npm run build` must have run.
 */
function compiledSandboxDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // From the esbuild bundle (dist/bundle/, scripts/bundle.mjs) the compiled files are in dist/src/sandbox.
  if (path.basename(here) === 'bundle') return path.join(path.dirname(here), 'src', 'sandbox');
  const sandboxDir = path.dirname(here);
  if (!import.meta.url.endsWith('.ts')) return sandboxDir;
  const root = projectRoot(here);
  return path.join(root, 'dist', path.relative(root, sandboxDir));
}

/** Node's lookup of a package directory from `fromDir` (walks up through node_modules). */
function findPackageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return fs.realpathSync(candidate);
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** The packages reachable from ROOT_PACKAGES through `dependencies`, by name → host directory. */
function packageClosure(fromDir: string): Map<string, string> {
  const found = new Map<string, string>();
  const visit = (name: string, from: string, optional: boolean) => {
    const dir = findPackageDir(name, from);
    if (!dir) {
      if (optional) return;
      throw new Error(`the sandbox tool host needs the npm package "${name}", which is not installed`);
    }
    const seen = found.get(name);
    if (seen === dir) return;
    // A package nested inside one we already bind comes along with it.
    if ([...found.values()].some((d) => dir.startsWith(d + path.sep))) return;
    if (seen) throw new Error(`two copies of "${name}" (${seen}, ${dir}); the tool host's flat node_modules cannot hold both`);
    found.set(name, dir);
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    for (const dep of Object.keys(pkg.dependencies ?? {})) visit(dep, dir, false);
    for (const dep of Object.keys(pkg.optionalDependencies ?? {})) visit(dep, dir, true);
  };
  for (const name of ROOT_PACKAGES) visit(name, fromDir, false);
  return found;
}

/** Resolves every file the tool host needs; throws with the reason when something is missing. */
export function toolHostFiles(appPackageJson: string): ToolHostFiles {
  const compiled = compiledSandboxDir();
  const binds: HostBind[] = [{ hostPath: fs.realpathSync(process.execPath), sandboxPath: SANDBOX_NODE }];
  // Marks the tool host's .js files as ES modules, as the project's package.json does.
  binds.push({ hostPath: appPackageJson, sandboxPath: `${SANDBOX_APP_DIR}/package.json` });
  for (const rel of MODULES) {
    const hostPath = path.join(compiled, rel);
    if (!fs.existsSync(hostPath)) throw new Error(`${hostPath} is missing: build agentd first (npm run build)`);
    binds.push({ hostPath, sandboxPath: `${SANDBOX_APP_DIR}/sandbox/${rel}` });
  }
  for (const [name, dir] of packageClosure(compiled)) {
    binds.push({ hostPath: dir, sandboxPath: `${SANDBOX_APP_DIR}/node_modules/${name}` });
  }
  return { binds, entry: `${SANDBOX_APP_DIR}/sandbox/${MODULES[0]}` };
}

/**
 * Running from sources, a compiled tool host older than its source is a stale build: worth a
 * warning, since the sandbox would run yesterday's code.
 */
export function staleBuildWarning(): string | undefined {
  if (!import.meta.url.endsWith('.ts')) return undefined;
  const srcDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
  const compiled = compiledSandboxDir();
  for (const rel of MODULES) {
    const src = path.join(srcDir, rel.replace(/\.js$/, '.ts'));
    const out = path.join(compiled, rel);
    if (fs.existsSync(src) && fs.existsSync(out) && fs.statSync(src).mtimeMs > fs.statSync(out).mtimeMs) {
      return `${out} is older than ${src}: run npm run build so the sandbox runs the current tool host`;
    }
  }
  return undefined;
}

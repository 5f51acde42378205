// What a sandbox gets of agentd, and nothing more: the node binary (on the agent's PATH, and the
// runtime of the one-shot relay helper) and the helper's compiled file, each as a read-only bind.
// Deliberately not the project directory: the data dir may live inside it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where agentd's files appear inside the sandbox. */
export const SANDBOX_APP_DIR = '/opt/agentd/app';
export const SANDBOX_BIN_DIR = '/opt/agentd/bin';
export const SANDBOX_NODE = `${SANDBOX_BIN_DIR}/node`;

/** The relay helper, relative to the compiled `src/sandbox` directory; it imports only Node. */
const MODULES = ['bubblewrap/relay-listen.js'];
/** The sandbox spawner (runs on the host, beside the server), likewise. */
const SPAWNER = 'bubblewrap/spawner-main.js';

export interface HostBind {
  hostPath: string;
  sandboxPath: string;
}

export interface SandboxHelperFiles {
  /** Read-only binds: node, the helper, the package.json that makes it an ES module. */
  binds: HostBind[];
  /** The relay helper, as seen inside the sandbox. */
  relayEntry: string;
  /** The compiled sandbox spawner, on the host. */
  spawnerEntry: string;
}

function projectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'node_modules'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package root above ${from}`);
  }
}

/**
 * The compiled `src/sandbox` directory. Running from TypeScript sources (tests, tsx) the helper
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

/** Resolves every file the sandbox gets; throws with the reason when something is missing. */
export function sandboxHelperFiles(appPackageJson: string): SandboxHelperFiles {
  const compiled = compiledSandboxDir();
  const binds: HostBind[] = [{ hostPath: fs.realpathSync(process.execPath), sandboxPath: SANDBOX_NODE }];
  // Marks the helper's .js file as an ES module, as the project's package.json does.
  binds.push({ hostPath: appPackageJson, sandboxPath: `${SANDBOX_APP_DIR}/package.json` });
  for (const rel of MODULES) {
    const hostPath = path.join(compiled, rel);
    if (!fs.existsSync(hostPath)) throw new Error(`${hostPath} is missing: build agentd first (npm run build)`);
    binds.push({ hostPath, sandboxPath: `${SANDBOX_APP_DIR}/sandbox/${rel}` });
  }
  return { binds, relayEntry: `${SANDBOX_APP_DIR}/sandbox/${MODULES[0]}`, spawnerEntry: spawnerEntry() };
}

/** The compiled sandbox spawner (bubblewrap's, and the unsandboxed provider's shells); throws when it is missing. */
export function spawnerEntry(): string {
  const entry = path.join(compiledSandboxDir(), SPAWNER);
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: build agentd first (npm run build)`);
  return entry;
}

/**
 * Running from sources, a compiled helper older than its source is a stale build: worth a
 * warning, since the sandbox would run yesterday's code.
 */
export function staleBuildWarning(): string | undefined {
  if (!import.meta.url.endsWith('.ts')) return undefined;
  const srcDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
  const compiled = compiledSandboxDir();
  for (const rel of [...MODULES, SPAWNER]) {
    const src = path.join(srcDir, rel.replace(/\.js$/, '.ts'));
    const out = path.join(compiled, rel);
    if (fs.existsSync(src) && fs.existsSync(out) && fs.statSync(src).mtimeMs > fs.statSync(out).mtimeMs) {
      return `${out} is older than ${src}: run npm run build so the sandbox runs the current helper`;
    }
  }
  return undefined;
}

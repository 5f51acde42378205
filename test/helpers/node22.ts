// A Node 22+ binary for child processes that need one (the SDK's EnvironmentWorker), leaving the
// suite's own Node alone. It comes from the npm package `node`, pinned in its own small project
// (test/sandbox/worker-runtime): as a root devDependency its `node` bin would shadow the
// project's Node in every npm script.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const RUNTIME_DIR = path.resolve('test/sandbox/worker-runtime');
const BIN = path.join(RUNTIME_DIR, 'node_modules', 'node', 'bin', 'node');

/** The path of a Node >= 22, installing the pinned package on first use. */
export function node22(): string {
  if (Number(process.versions.node.split('.')[0]) >= 22) return process.execPath;
  if (!fs.existsSync(BIN)) {
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefix', RUNTIME_DIR], { stdio: 'inherit' });
  }
  return BIN;
}

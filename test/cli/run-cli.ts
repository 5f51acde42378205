// Spawns the built `agentd` CLI (dist/cli/main.js) as a real process, with a deadline.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The compiled CLI; AGENTD_TEST_BIN=dist/bundle/agentd.js runs the same tests against the bundle. */
export const BIN = path.resolve(process.env.AGENTD_TEST_BIN ?? 'dist/cli/main.js');
/** The bundled CLI, what package.json's bin and `npm start` run (scripts/bundle.mjs). */
export const BUNDLE_BIN = path.resolve('dist/bundle/agentd.js');

export interface CliProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Exit code (null if killed by a signal); rejects if the deadline passes (the process is killed). */
  exited: Promise<number | null>;
}

export interface CliOptions {
  env?: Record<string, string>;
  /** Defaults to a fresh empty directory, so no stray `.agentd/api-key` is picked up. */
  cwd?: string;
  timeoutMs?: number;
  /** The script to run instead of BIN (e.g. BUNDLE_BIN). */
  bin?: string;
}

/** Variables from the developer's shell that would change what the CLI does. */
const SCRUBBED = ['AGENTD_API_KEY', 'AGENTD_URL', 'AGENTD_DATA_DIR', 'ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_BASE_URL'];

export function spawnCli(args: string[], opts: CliOptions = {}): CliProcess {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !SCRUBBED.includes(k)));
  const ownCwd = opts.cwd === undefined;
  const cwd = opts.cwd ?? fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-cli-'));
  const child = spawn(process.execPath, [opts.bin ?? BIN, ...args], {
    cwd,
    env: { ...base, NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const exited = new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`agentd ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`));
    }, timeoutMs);
    // 'close', not 'exit': it fires after stdout and stderr are fully read.
    child.on('close', (code) => {
      clearTimeout(timer);
      if (ownCwd) fs.rmSync(cwd, { recursive: true, force: true });
      resolve(code);
    });
  });
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** Runs to completion and returns what it printed. */
export async function runCli(args: string[], opts: CliOptions = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawnCli(args, opts);
  const code = await p.exited;
  return { code, stdout: p.stdout(), stderr: p.stderr() };
}

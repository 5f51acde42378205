// Runs the real `agentd serve` binary as a child process (what crash and signal tests need).
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

/** The compiled CLI; AGENTD_TEST_BIN=dist/bundle/agentd.js runs the same tests against the bundle. */
export const AGENTD_BIN = path.resolve(process.env.AGENTD_TEST_BIN ?? 'dist/cli/main.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface AgentdProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `agentd serve` with `args`; the environment is ours minus AGENTD_API_KEY, plus `env`. */
export function spawnAgentd(args: string[], env: Record<string, string> = {}): AgentdProcess {
  const { AGENTD_API_KEY: _drop, ...base } = process.env;
  const child = spawn(process.execPath, [AGENTD_BIN, 'serve', ...args], {
    env: { ...base, AGENTD_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

export async function waitForHealth(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/health`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url}/health never answered 200`);
}

// Starts one of the bench's bare Node.js servers (bench/lib/bare-*.mjs) in its own process: the floor a figure is
// read against, what any Node.js server on this machine needs for the same exchange.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './agentd.js';

export interface BareServer {
  url: string;
  child: ChildProcess;
  stop(): void;
}

/** Runs `bench/lib/<script>` with PORT (and `env`); resolves once it prints that it listens. */
export async function startBareServer(script: string, env: Record<string, string> = {}): Promise<BareServer> {
  const port = await freePort();
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), script);
  const child = spawn(process.execPath, [file], { env: { PATH: process.env.PATH ?? '', ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${script} exited (${code})`)));
    child.stdout!.once('data', () => resolve());
  });
  return { url: `http://127.0.0.1:${port}`, child, stop: () => void child.kill('SIGTERM') };
}

// `agentd serve` as a real child process on a free loopback port, for tests that read what the
// server itself prints (its start banner and its logs).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnCli, type CliProcess } from '../cli/run-cli.js';

export interface ServeProcess {
  readonly url: string;
  readonly process: CliProcess;
  /** Everything printed so far, stdout then stderr. */
  output(): string;
  /** SIGTERM, wait for exit 0, remove the data directory. */
  stop(): Promise<void>;
}

export async function startServeProcess(env: Record<string, string>, timeoutMs = 30_000, bin?: string): Promise<ServeProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-serve-proc-'));
  const p = spawnCli(['serve', '--port', '0', '--data-dir', dataDir], { env, timeoutMs: 120_000, ...(bin ? { bin } : {}) });
  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  while (!(url = /serving (http:\/\/127\.0\.0\.1:\d+)/.exec(p.stdout())?.[1])) {
    if (Date.now() > deadline || p.child.exitCode !== null) {
      throw new Error(`agentd serve did not start\nstdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    process: p,
    output: () => p.stdout() + p.stderr(),
    stop: async () => {
      p.child.kill('SIGTERM');
      const code = await p.exited;
      fs.rmSync(dataDir, { recursive: true, force: true });
      if (code !== 0) throw new Error(`agentd serve exited ${code}\n${p.stdout()}\n${p.stderr()}`);
    },
  };
}

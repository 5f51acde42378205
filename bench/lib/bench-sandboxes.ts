// The bubblewrap provider as the in-process sandbox benchmarks use it: the server's defaults, a private directory
// for workspaces and the egress CA, nothing logged. `close` stops every sandbox and removes the directory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { systemClock } from '../../src/domain/clock.js';
import { createBubblewrapSandboxes } from '../../src/sandbox/bubblewrap/bubblewrap-provider.js';
import type { EnvironmentRecord, SessionRecord } from '../../src/store/types.js';

export async function benchSandboxes(maxCallMs = 60_000) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-bench-sandbox-'));
  const sandboxes = await createBubblewrapSandboxes({
    bwrapPath: 'bwrap',
    workspacesDir: path.join(dir, 'workspaces'),
    caDir: path.join(dir, 'egress-ca'),
    extraCaFiles: [],
    packages: { dir: path.join(dir, 'packages'), aptSources: undefined },
    idleMs: 600_000,
    clock: systemClock,
    maxCallMs,
    maxOutputBytes: 65_536,
    memoryMb: 4096,
    maxProcesses: 512,
    cpus: 1,
    uid: 2_000_000_000,
    gid: 2_000_000_000,
    protectedPaths: [dir], // the data dir, as serve passes it
    hostPorts: [],
    allowedNetworks: [],
    logger: pino({ level: 'silent' }),
  });
  if (sandboxes.unavailable) throw new Error(`bubblewrap unavailable: ${sandboxes.unavailable}`);
  return {
    /** A sandbox for a session named `name` in a cloud environment with `networking`. */
    open(name: string, networking: { readonly type: 'unrestricted' } | { readonly type: 'limited'; readonly allowed_hosts: readonly string[] }) {
      const session = { id: `sesn_bench_${name}`, agent: { skills: [], mcp_servers: [] }, resources: [] } as unknown as SessionRecord;
      const environment = { config: { type: 'cloud', networking } } as unknown as EnvironmentRecord;
      return sandboxes.provider.open(session, environment);
    },
    async close() {
      await sandboxes.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Per-sandbox caps on total memory, processes and CPU through cgroups, where this host lets agentd
// create them (as root; cgroup v2 when the unified hierarchy carries the controllers, else v1).
// Detected once at start; `agentd doctor` reports what was found. Without cgroups the rlimits set
// inside the sandbox are what remains (per process, and RLIMIT_NPROC per user namespace).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { processAlive } from '../process-alive.js';

export interface CgroupLimits {
  /** Total memory of the sandbox's processes, MiB (0: none). */
  memoryMb: number;
  /** Processes and threads (0: none). */
  maxProcesses: number;
  /** CPU time as a number of CPUs (0: none). */
  cpus: number;
}

export interface SandboxCgroup {
  /** The `cgroup.procs` files the launcher writes its pid into before exec'ing bwrap. */
  readonly procsFiles: readonly string[];
  remove(): Promise<void>;
}

export interface Cgroups {
  readonly version: 1 | 2;
  /** Where sandboxes' cgroups are created (one directory per controller for v1). */
  readonly roots: readonly string[];
  /** `name` must start with `<pid of this agentd>-` (see sweep). */
  create(name: string, limits: CgroupLimits): Promise<SandboxCgroup>;
  /** Removes empty cgroups left by agentd processes that died without cleaning up. */
  sweep(): Promise<void>;
}

export type CgroupDetection = { ok: true; cgroups: Cgroups } | { ok: false; reason: string };

const MOUNT = '/sys/fs/cgroup';
const PARENT = 'agentd-sandboxes';
const CFS_PERIOD_US = 100_000;

// Asynchronous: cgroupfs directory operations are slow, and a thousand sandboxes starting at once
// would otherwise hold the server's event loop for seconds.
async function write(file: string, value: string): Promise<void> {
  await fsp.writeFile(file, value);
}

async function tryWrite(file: string, value: string): Promise<void> {
  if (fs.existsSync(file)) await write(file, value);
}

/** Removes a cgroup once its processes are gone (the kernel refuses while any remain). */
async function removeDir(dir: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    try {
      await fsp.rmdir(dir);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY') throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}


async function sweep(roots: readonly string[]): Promise<void> {
  for (const root of roots) {
    for (const entry of fs.readdirSync(root, { withFileTypes: true })) {
      const pid = Number(/^(\d+)-/.exec(entry.name)?.[1]);
      if (!entry.isDirectory() || !pid || pid === process.pid || processAlive(pid)) continue;
      try {
        fs.rmdirSync(path.join(root, entry.name));
      } catch {
        // still has processes (they die with their sandbox) or already gone
      }
    }
  }
}

function v2(): CgroupDetection | undefined {
  const controllersFile = path.join(MOUNT, 'cgroup.controllers');
  if (!fs.existsSync(controllersFile)) return undefined;
  const available = fs.readFileSync(controllersFile, 'utf8').trim().split(/\s+/);
  const missing = ['memory', 'pids', 'cpu'].filter((c) => !available.includes(c));
  if (missing.length) return { ok: false, reason: `cgroup v2 lacks the ${missing.join(', ')} controller(s)` };
  const root = path.join(MOUNT, PARENT);
  try {
    fs.mkdirSync(root, { recursive: true });
    write(path.join(MOUNT, 'cgroup.subtree_control'), '+memory +pids +cpu');
    write(path.join(root, 'cgroup.subtree_control'), '+memory +pids +cpu');
  } catch (err) {
    return { ok: false, reason: `cannot set up ${root}: ${(err as Error).message}` };
  }
  return {
    ok: true,
    cgroups: {
      version: 2,
      roots: [root],
      sweep: () => sweep([root]),
      async create(name, limits) {
        const dir = path.join(root, name);
        await fsp.mkdir(dir);
        if (limits.memoryMb > 0) {
          await write(path.join(dir, 'memory.max'), String(limits.memoryMb * 1024 * 1024));
          await tryWrite(path.join(dir, 'memory.swap.max'), '0');
        }
        if (limits.maxProcesses > 0) await write(path.join(dir, 'pids.max'), String(limits.maxProcesses));
        if (limits.cpus > 0) await write(path.join(dir, 'cpu.max'), `${Math.round(limits.cpus * CFS_PERIOD_US)} ${CFS_PERIOD_US}`);
        return { procsFiles: [path.join(dir, 'cgroup.procs')], remove: () => removeDir(dir) };
      },
    },
  };
}

function v1(): CgroupDetection {
  const controllers = ['memory', 'pids', 'cpu'] as const;
  const roots = controllers.map((c) => path.join(MOUNT, c, PARENT));
  try {
    for (const root of roots) fs.mkdirSync(root, { recursive: true });
  } catch (err) {
    return { ok: false, reason: `cannot create cgroups under ${MOUNT} (v1): ${(err as Error).message}` };
  }
  return {
    ok: true,
    cgroups: {
      version: 1,
      roots,
      sweep: () => sweep(roots),
      async create(name, limits) {
        const [memory, pids, cpu] = roots.map((r) => path.join(r, name)) as [string, string, string];
        await Promise.all([memory, pids, cpu].map((dir) => fsp.mkdir(dir)));
        if (limits.memoryMb > 0) {
          const bytes = String(limits.memoryMb * 1024 * 1024);
          await write(path.join(memory, 'memory.limit_in_bytes'), bytes);
          // Memory plus swap at the same figure: the sandbox cannot spill into swap.
          await tryWrite(path.join(memory, 'memory.memsw.limit_in_bytes'), bytes);
        }
        if (limits.maxProcesses > 0) await write(path.join(pids, 'pids.max'), String(limits.maxProcesses));
        if (limits.cpus > 0) {
          await write(path.join(cpu, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
          await write(path.join(cpu, 'cpu.cfs_quota_us'), String(Math.round(limits.cpus * CFS_PERIOD_US)));
        }
        return {
          procsFiles: [memory, pids, cpu].map((d) => path.join(d, 'cgroup.procs')),
          remove: async () => {
            await Promise.all([memory, pids, cpu].map(removeDir));
          },
        };
      },
    },
  };
}

/** What this host allows, decided once at start. */
export function detectCgroups(): CgroupDetection {
  if (process.getuid?.() !== 0) return { ok: false, reason: 'agentd does not run as root, so it cannot create cgroups (rlimits apply)' };
  if (!fs.existsSync(MOUNT)) return { ok: false, reason: `${MOUNT} is not mounted` };
  const unified = v2();
  if (unified) return unified;
  if (!['memory', 'pids', 'cpu'].every((c) => fs.existsSync(path.join(MOUNT, c, 'cgroup.procs')))) {
    return { ok: false, reason: 'neither cgroup v2 nor the v1 memory, pids and cpu controllers are mounted' };
  }
  return v1();
}

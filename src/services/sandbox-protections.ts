// The sandbox part of `agentd doctor`: which of the sandbox's protections are in force on this host,
// and for each one that is not, why and what to install or change. Detects exactly as `agentd serve` does at start
// (the same provider, probe and detections), then stops again.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { Config } from '../config/config.js';
import { systemClock } from '../domain/clock.js';
import { SHELL_BINARY, SHELL_IS_STATIC } from '../sandbox/shell-binary.js';
import { createLocalSandboxes } from './sandboxes.js';

export interface ProtectionCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do about it, when not ok. */
  fix?: string;
}

export async function sandboxChecks(config: Config): Promise<ProtectionCheck[]> {
  if (config.sandbox.kind === 'none') {
    return [{ name: 'isolation', ok: false, detail: 'AGENTD_SANDBOX=none: built-in tools run unisolated on this host', fix: 'unset AGENTD_SANDBOX (bubblewrap is the default)' }];
  }
  // Scratch workspaces and package-layer dirs: the doctor creates nothing in the data dir.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-doctor-'));
  const local = await createLocalSandboxes(
    {
      ...config,
      engine: { ...config.engine, enabled: true, workspacesDir: path.join(scratch, 'workspaces') },
      sandbox: { ...config.sandbox, packages: { ...config.sandbox.packages, dir: path.join(scratch, 'packages') } },
    },
    pino({ level: 'silent' }),
    systemClock,
  );
  try {
    const p = local.protections;
    if (local.unavailable || !p) {
      return [{ name: 'isolation', ok: false, detail: `bubblewrap cannot build a sandbox: ${local.unavailable ?? 'unknown'}`, fix: 'apt-get install bubblewrap; allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or an AppArmor profile for bwrap)' }];
    }
    const checks: ProtectionCheck[] = [{ name: 'isolation', ok: true, detail: 'bubblewrap builds a sandbox (own user, mount, pid, IPC, UTS, cgroup and network namespaces)' }];
    checks.push(
      typeof p.network === 'string'
        ? { name: 'unrestricted networking', ok: false, detail: `sandboxes with unrestricted networking will not start: ${p.network}`, fix: 'apt-get install slirp4netns util-linux iproute2' }
        : { name: 'unrestricted networking', ok: true, detail: `own network namespace via ${p.network.slirp4netns}; host loopback, link-local, private and host addresses prohibited` },
    );
    checks.push(
      p.user.switches
        ? { name: 'sandbox user', ok: true, detail: `agentd runs as root; sandboxes run as uid ${p.user.uid} / gid ${p.user.gid}, no capabilities` }
        : { name: 'sandbox user', ok: true, detail: `sandboxes run as agentd's own unprivileged uid ${p.user.uid}, no capabilities` },
    );
    checks.push(
      p.cgroups.ok
        ? { name: 'cgroup limits', ok: true, detail: `cgroup v${p.cgroups.cgroups.version} per sandbox: memory ${config.sandbox.memoryMb} MiB, ${config.sandbox.maxProcesses} processes, ${config.sandbox.cpus} CPUs (0: none)` }
        : {
            name: 'cgroup limits',
            ok: false,
            detail: `no per-sandbox cgroup (total memory, processes, CPU): ${p.cgroups.reason}; rlimits apply per process`,
            fix: 'run agentd as root on a host whose cgroups (v2 with memory, pids and cpu, or v1) are writable',
          },
    );
    const seccomp = await p.seccomp();
    checks.push(
      seccomp.ok
        ? { name: 'seccomp', ok: true, detail: 'syscall filter loaded into every sandbox (libseccomp)' }
        : { name: 'seccomp', ok: false, detail: seccomp.reason, fix: 'apt-get install python3-seccomp' },
    );
    checks.push(shellCheck());
    return checks;
  } finally {
    await local.close();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Optional: the statically linked bash, a little less memory per live sandbox (src/sandbox/shell-binary.ts). */
function shellCheck(): ProtectionCheck {
  return SHELL_IS_STATIC
    ? { name: 'sandbox shell', ok: true, detail: `${SHELL_BINARY} (statically linked)` }
    : { name: 'sandbox shell', ok: true, detail: `${SHELL_BINARY}; optional: apt-get install bash-static (the same bash, statically linked: about 0.9 MiB less RSS per live sandbox)` };
}

// The local sandbox provider for `cloud` environments: each session's built-in tools run in a
// bubblewrap sandbox (see docs/sandbox.md). Probes the host once; if isolation is unavailable
// the provider refuses tool calls instead of running them unisolated.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Clock } from '../../domain/clock.js';
import type { Logger } from '../../logger.js';
import { EgressProxy } from '../egress/egress-proxy.js';
import type { SandboxProvider } from '../types.js';
import type { RuntimeFiles } from './bwrap-args.js';
import { BubblewrapSandbox, type BubblewrapRuntime } from './bubblewrap-sandbox.js';
import { probeBubblewrap } from './probe.js';
import { staleBuildWarning, toolHostFiles } from './tool-host-files.js';
import { unavailableProvider } from './unavailable.js';

export interface BubblewrapOptions {
  /** The bwrap binary: a path, or a name looked up on PATH. */
  bwrapPath: string;
  workspacesDir: string;
  idleMs: number;
  clock: Clock;
  maxCallMs: number;
  maxOutputBytes: number;
  memoryMb: number;
  maxProcesses: number;
  /** Host paths that must never be visible inside a sandbox (data dir, files dir). */
  protectedPaths: readonly string[];
  logger: Logger;
}

export interface LocalSandboxes {
  provider: SandboxProvider;
  /** Why isolation is unavailable, when it is. */
  unavailable: string | undefined;
  close(): Promise<void>;
}

function onPath(name: string): string | undefined {
  if (name.includes('/')) return path.resolve(name);
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

function realOrResolved(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** Runtime dirs of agentd processes that died without closing (killed, crashed). */
function removeStaleRuntimeDirs(): void {
  for (const name of fs.readdirSync(os.tmpdir())) {
    const pid = Number(/^agentd-sbx-(\d+)-/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') continue;
      try {
        fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
      } catch {
        // someone else's, or already gone: not ours to worry about
      }
    }
  }
}

/** passwd/group/hosts for the sandbox: only root and the sandbox's own user, no host accounts. */
function writeRuntimeFiles(dir: string): RuntimeFiles {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const passwd = ['root:x:0:0:root:/workspace:/bin/bash', 'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin'];
  const group = ['root:x:0:', 'nogroup:x:65534:'];
  if (uid !== 0) passwd.push(`agent:x:${uid}:${gid}:agent:/workspace:/bin/bash`);
  if (gid !== 0) group.push(`agent:x:${gid}:`);
  const files: RuntimeFiles = {
    passwd: path.join(dir, 'passwd'),
    group: path.join(dir, 'group'),
    hosts: path.join(dir, 'hosts'),
    appPackageJson: path.join(dir, 'package.json'),
  };
  fs.writeFileSync(files.passwd, passwd.join('\n') + '\n', { mode: 0o644 });
  fs.writeFileSync(files.group, group.join('\n') + '\n', { mode: 0o644 });
  fs.writeFileSync(files.hosts, '127.0.0.1\tlocalhost sandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n', { mode: 0o644 });
  fs.writeFileSync(files.appPackageJson, '{"type":"module"}\n', { mode: 0o644 });
  return files;
}

/** Why bubblewrap cannot isolate tools here (`agentd doctor`), or undefined when it can. */
export async function bubblewrapProblem(bwrapName: string): Promise<string | undefined> {
  const bwrapPath = onPath(bwrapName);
  if (!bwrapPath) return `${bwrapName} not found on PATH`;
  const probe = await probeBubblewrap(bwrapPath);
  return probe.ok ? undefined : probe.reason;
}

export async function createBubblewrapSandboxes(opts: BubblewrapOptions): Promise<LocalSandboxes> {
  const { logger } = opts;
  const refuse = (reason: string): LocalSandboxes => {
    logger.error(
      { reason },
      'SANDBOX UNAVAILABLE: bubblewrap cannot isolate tools on this host, so built-in tools of cloud environments ' +
        'will be refused. Install bubblewrap / allow user namespaces, or set AGENTD_SANDBOX=none to run them unisolated (unsafe).',
    );
    return { provider: unavailableProvider(reason, logger), unavailable: reason, close: async () => {} };
  };

  const bwrapPath = onPath(opts.bwrapPath);
  if (!bwrapPath) return refuse(`${opts.bwrapPath} not found on PATH`);
  const probe = await probeBubblewrap(bwrapPath);
  if (!probe.ok) return refuse(probe.reason);
  if (!probe.disableUserns) logger.warn('this bubblewrap cannot forbid nested user namespaces (needs 0.8+); sandboxes still run');

  // Private to this process: generated /etc files and the egress proxy's sockets.
  removeStaleRuntimeDirs();
  const runtimeDir = fs.mkdtempSync(path.join(os.tmpdir(), `agentd-sbx-${process.pid}-`));
  fs.chmodSync(runtimeDir, 0o700);
  const runtimeFiles = writeRuntimeFiles(runtimeDir);
  let toolHost;
  try {
    toolHost = toolHostFiles(runtimeFiles.appPackageJson);
  } catch (err) {
    fs.rmSync(runtimeDir, { recursive: true, force: true });
    return refuse(err instanceof Error ? err.message : String(err));
  }
  const stale = staleBuildWarning();
  if (stale) logger.warn(stale);

  const proxy = new EgressProxy(runtimeDir, logger);
  const rt: BubblewrapRuntime = {
    bwrapPath,
    disableUserns: probe.disableUserns,
    workspacesDir: opts.workspacesDir,
    runtimeFiles,
    toolHost,
    proxy,
    idleMs: opts.idleMs,
    clock: opts.clock,
    maxCallMs: opts.maxCallMs,
    maxOutputBytes: opts.maxOutputBytes,
    limits: { memoryMb: opts.memoryMb, maxProcesses: opts.maxProcesses },
    protectedPaths: opts.protectedPaths.map(realOrResolved),
    logger,
  };
  logger.info({ bwrap: bwrapPath }, 'tools of cloud environments run in bubblewrap sandboxes');
  return {
    provider: { kind: 'bubblewrap', open: (session, environment) => new BubblewrapSandbox(rt, session, environment) },
    unavailable: undefined,
    close: async () => {
      await proxy.close();
      fs.rmSync(runtimeDir, { recursive: true, force: true });
    },
  };
}

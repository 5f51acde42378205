// The local sandbox provider for `cloud` environments: each session's built-in tools run in a
// bubblewrap sandbox (see docs/sandbox.md). Probes the host once; if isolation is unavailable
// the provider refuses tool calls instead of running them unisolated.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import type { Clock } from '../../domain/clock.js';
import type { Logger } from '../../logger.js';
import { EgressCa, systemRoots } from '../egress/egress-ca.js';
import { onPath } from '../executables.js';
import { EgressProxy } from '../egress/egress-proxy.js';
import { parseCidr, sandboxRoutePlan, SLIRP, type DestinationRules } from '../network/destination-policy.js';
import { openHostPortRelays } from '../network/host-ports.js';
import type { SlirpTools } from '../network/slirp-network.js';
import { detectCgroups, type CgroupDetection } from '../limits/cgroups.js';
import { sandboxUser, type SandboxUser } from '../limits/sandbox-user.js';
import { buildSeccompFilter, type SeccompBuild } from '../limits/seccomp.js';
import type { SandboxProvider } from '../types.js';
import { ETC_ENTRIES, type RuntimeFiles } from './bwrap-args.js';
import { EtcView } from './etc-view.js';
import { BubblewrapSandbox, type BubblewrapRuntime, type EnvCredentialSource } from './bubblewrap-sandbox.js';
import { probeBubblewrap } from './probe.js';
import { allowTraversal, launcher } from '../limits/sandbox-user.js';
import { staleBuildWarning, sandboxHelperFiles } from './sandbox-helper-files.js';
import { SandboxSpawner } from './sandbox-spawner.js';
import { unavailableProvider } from './unavailable.js';
import { installPackages, type InstallerSettings } from './package-installer.js';
import { PackageLayers } from '../packages/package-layers.js';
import { operatorRegistryHosts } from '../packages/registry-hosts.js';

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
  /** Host loopback ports `unrestricted` sandboxes reach (AGENTD_SANDBOX_HOST_PORTS). */
  hostPorts: readonly number[];
  /** CIDRs exempt from the destination deny rules (AGENTD_SANDBOX_ALLOWED_NETWORKS). */
  allowedNetworks: readonly string[];
  /** CPU time per sandbox, in CPUs (0: none). */
  cpus: number;
  /** The host user sandboxes run as when agentd runs as root. */
  uid: number;
  gid: number;
  logger: Logger;
  /** Environment-variable credentials of sessions (absent: sandboxes get none). */
  credentials?: EnvCredentialSource;
  /** Where the egress CA lives (`<data-dir>/egress-ca`; generated on first use, key mode 0600). */
  caDir: string;
  /** PEM files of extra roots upstream TLS is verified against (AGENTD_EGRESS_EXTRA_CA_FILE). */
  extraCaFiles: readonly string[];
  /** Environment packages: the layer cache directory and the registries installers use. */
  packages: InstallerSettings & { dir: string };
}

/** How long after the provider's start its seccomp program is built, unless a sandbox needs it sooner. */
const SECCOMP_BUILD_DELAY_MS = 1000;

/** The protections in force on this host, as detected at start (what `agentd doctor` reports). */
export interface SandboxProtections {
  user: SandboxUser;
  cgroups: CgroupDetection;
  /** Built in a child process soon after the start (or by the first sandbox): sandboxes wait for it, the start does not. */
  seccomp: () => Promise<SeccompBuild>;
  network: SlirpTools | string;
}

export interface LocalSandboxes {
  provider: SandboxProvider;
  /** Why isolation is unavailable, when it is. */
  unavailable: string | undefined;
  /** What is in force, when isolation is available. */
  protections?: SandboxProtections;
  /** The operator's registry hosts that `allow_package_managers` allows besides the well-known ones. */
  packageHosts?: readonly string[];
  close(): Promise<void>;
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
function writeRuntimeFiles(dir: string, user: SandboxUser): RuntimeFiles {
  const { uid, gid } = user;
  const passwd = ['root:x:0:0:root:/workspace:/bin/bash', 'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin'];
  const group = ['root:x:0:', 'nogroup:x:65534:'];
  if (uid !== 0) passwd.push(`agent:x:${uid}:${gid}:agent:/workspace:/bin/bash`);
  if (gid !== 0) group.push(`agent:x:${gid}:`);
  const files: RuntimeFiles = {
    passwd: path.join(dir, 'passwd'),
    group: path.join(dir, 'group'),
    hosts: path.join(dir, 'hosts'),
    resolvConf: path.join(dir, 'resolv.conf'),
    appPackageJson: path.join(dir, 'package.json'),
  };
  fs.writeFileSync(files.passwd, passwd.join('\n') + '\n', { mode: 0o644 });
  fs.writeFileSync(files.group, group.join('\n') + '\n', { mode: 0o644 });
  fs.writeFileSync(files.hosts, '127.0.0.1\tlocalhost sandbox\n::1\tlocalhost ip6-localhost ip6-loopback\n', { mode: 0o644 });
  fs.writeFileSync(files.resolvConf, `nameserver ${SLIRP.dns}\n`, { mode: 0o644 });
  fs.writeFileSync(files.appPackageJson, '{"type":"module"}\n', { mode: 0o644 });
  return files;
}

function readExtraCa(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new Error(`AGENTD_EGRESS_EXTRA_CA_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}

/** Why bubblewrap cannot isolate tools here (`agentd doctor`), or undefined when it can. */
export async function bubblewrapProblem(bwrapName: string): Promise<string | undefined> {
  const bwrapPath = onPath(bwrapName);
  if (!bwrapPath) return `${bwrapName} not found on PATH`;
  const probe = await probeBubblewrap(bwrapPath);
  return probe.ok ? undefined : probe.reason;
}

/** Every address of every interface of the host: each one is the host, whatever its range. */
export function hostAddresses(): string[] {
  return Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address.replace(/%.*$/, '')));
}

export function destinationRules(allowedNetworks: readonly string[]): DestinationRules {
  return {
    hostAddresses: hostAddresses(),
    allowedNetworks: allowedNetworks.map((n) => {
      const cidr = parseCidr(n);
      if (!cidr) throw new Error(`AGENTD_SANDBOX_ALLOWED_NETWORKS: "${n}" is not an IP network`);
      return cidr;
    }),
  };
}

/** The programs an `unrestricted` sandbox's network needs, or why it cannot have one. */
export function slirpTools(): SlirpTools | string {
  const tools = { slirp4netns: onPath('slirp4netns'), nsenter: onPath('nsenter'), ip: onPath('ip') ?? onPath('/usr/sbin/ip') ?? onPath('/sbin/ip') };
  const missing = Object.entries(tools).filter(([, p]) => !p).map(([name]) => name);
  if (missing.length > 0) {
    return `unrestricted networking needs ${missing.join(', ')} (Debian: apt-get install slirp4netns util-linux iproute2)`;
  }
  return tools as SlirpTools;
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
  const user = sandboxUser(opts.uid, opts.gid);
  const setpriv = onPath('setpriv');
  if (user.switches && !setpriv) return refuse('agentd runs as root and needs setpriv (util-linux) to run sandboxes as an unprivileged user');
  const launch = (argv: string[], procsFiles: readonly string[] = []) => launcher(user, setpriv ?? 'setpriv', procsFiles, argv);
  fs.mkdirSync(opts.workspacesDir, { recursive: true });
  const blocked = allowTraversal(opts.workspacesDir, [opts.workspacesDir, ...opts.protectedPaths], user, onPath('setfacl'));
  if (blocked) return refuse(blocked);
  // Package layers: bwrap (as the sandbox user) binds them, so it must reach them too.
  const layers = new PackageLayers(opts.packages.dir, logger);
  layers.prepare();
  const layersBlocked = allowTraversal(opts.packages.dir, [opts.packages.dir, ...opts.protectedPaths], user, onPath('setfacl'));
  if (layersBlocked) return refuse(layersBlocked);
  let packageHosts: string[];
  try {
    packageHosts = operatorRegistryHosts(opts.packages);
  } catch (err) {
    throw new Error(`AGENTD_APT_SOURCES: cannot read ${opts.packages.aptSources} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  const probe = await probeBubblewrap(bwrapPath, launch);
  if (!probe.ok) return refuse(probe.reason);
  if (!probe.disableUserns) logger.warn('this bubblewrap cannot forbid nested user namespaces (needs 0.8+); sandboxes still run');

  // Read at start: a missing or unreadable extra CA file stops the start with its name.
  const upstreamCa = [systemRoots(), ...tls.rootCertificates, ...opts.extraCaFiles.map((f) => readExtraCa(f))];

  // Private to this process: generated /etc files and the egress proxy's sockets.
  removeStaleRuntimeDirs();
  const runtimeDir = fs.mkdtempSync(path.join(os.tmpdir(), `agentd-sbx-${process.pid}-`));
  // Searchable (not listable) by others: a sandbox running as its own user reaches the sockets inside.
  fs.chmodSync(runtimeDir, 0o711);
  // Built by Python in a child process (it never rejects): a second after this, so that the interpreter's start is
  // not part of the server's, or by the first sandbox if it comes sooner (which waits for it).
  let closed = false;
  let building: Promise<SeccompBuild> | undefined;
  const seccomp = () =>
    (building ??= buildSeccompFilter(path.join(runtimeDir, 'seccomp.bpf')).then((built) => {
      // (Closed before it finished: its directory is gone, which says nothing about this host.)
      if (!built.ok && !closed) logger.warn({ reason: built.reason }, 'sandboxes run without a seccomp filter');
      return built;
    }));
  const buildSoon = setTimeout(() => void seccomp(), SECCOMP_BUILD_DELAY_MS);
  buildSoon.unref();
  const runtimeFiles = writeRuntimeFiles(runtimeDir, user);
  let helper;
  try {
    helper = sandboxHelperFiles(runtimeFiles.appPackageJson);
  } catch (err) {
    fs.rmSync(runtimeDir, { recursive: true, force: true });
    return refuse(err instanceof Error ? err.message : String(err));
  }
  // bwrap (as the sandbox user) binds the helper from agentd's install, which may sit below a directory others
  // cannot enter (/root, a private temporary directory): the user gets search on the way, as for the workspaces.
  for (const bind of helper.binds) {
    const helperBlocked = allowTraversal(path.dirname(bind.hostPath), [], user, onPath('setfacl'));
    if (helperBlocked) {
      fs.rmSync(runtimeDir, { recursive: true, force: true });
      return refuse(helperBlocked);
    }
  }
  const stale = staleBuildWarning();
  if (stale) logger.warn(stale);
  // resolv.conf: what an unrestricted sandbox's own is bound over.
  const etcView = new EtcView(runtimeDir, ETC_ENTRIES, { passwd: runtimeFiles.passwd, group: runtimeFiles.group, hosts: runtimeFiles.hosts }, ['resolv.conf']);
  let etcFailed = false;
  const etc = () => {
    try {
      return etcView.layout();
    } catch (err) {
      if (!etcFailed) logger.warn({ err }, 'copying the /etc files for sandboxes failed: each entry is bound on its own');
      etcFailed = true;
      return undefined;
    }
  };

  const rules = destinationRules(opts.allowedNetworks);
  let ca: EgressCa | undefined;
  const egressCa = () => (ca ??= EgressCa.loadOrCreate(opts.caDir));
  let bundle: string | undefined;
  const caBundle = () => {
    if (!bundle) {
      const file = path.join(runtimeDir, 'ca-certificates.crt');
      egressCa().writeSandboxBundle(file);
      bundle = file;
    }
    return bundle;
  };
  const proxy = new EgressProxy(runtimeDir, logger, rules, { ca: egressCa, upstreamCa });
  const slirp = slirpTools();
  if (typeof slirp === 'string') logger.error({ reason: slirp }, 'sandboxes with unrestricted networking will not start');
  const hostPorts = await openHostPortRelays(runtimeDir, opts.hostPorts, logger);
  const cgroups = detectCgroups();
  if (cgroups.ok) await cgroups.cgroups.sweep();
  if (!cgroups.ok) logger.warn({ reason: cgroups.reason }, 'sandboxes have no cgroup limits (total memory, processes, CPU); rlimits apply');
  const protections: SandboxProtections = { user, cgroups, seccomp, network: slirp };
  // Started at the first sandbox; it forks them so that the server (large, later) never does.
  const spawner = new SandboxSpawner(helper.spawnerEntry, logger);
  const rt: BubblewrapRuntime = {
    credentials: opts.credentials,
    caBundle,
    bwrapPath,
    disableUserns: probe.disableUserns,
    workspacesDir: opts.workspacesDir,
    runtimeFiles,
    etc,
    helper,
    spawner,
    proxy,
    network: { slirp, routes: sandboxRoutePlan(rules), hostPorts },
    idleMs: opts.idleMs,
    clock: opts.clock,
    maxCallMs: opts.maxCallMs,
    maxOutputBytes: opts.maxOutputBytes,
    limits: { memoryMb: opts.memoryMb, maxProcesses: opts.maxProcesses, cpus: opts.cpus },
    user,
    launch,
    cgroups: cgroups.ok ? cgroups.cgroups : undefined,
    seccompFile: async () => {
      const built = await seccomp();
      return built.ok ? built.file : undefined;
    },
    protectedPaths: opts.protectedPaths.map(realOrResolved),
    logger,
    packages: undefined,
    packageHosts,
  };
  const installers = new Set<{ close(): Promise<void> }>();
  rt.packages = { layers, install: (session, environment, set, build) => installPackages(rt, opts.packages, session, environment, set, build, installers) };
  logger.info(
    { bwrap: bwrapPath, uid: user.uid, cgroups: cgroups.ok ? `v${cgroups.cgroups.version}` : 'none' },
    'tools of cloud environments run in bubblewrap sandboxes',
  );
  return {
    provider: { kind: 'bubblewrap', open: (session, environment) => new BubblewrapSandbox(rt, session, environment) },
    unavailable: undefined,
    protections,
    packageHosts,
    close: async () => {
      closed = true;
      clearTimeout(buildSoon);
      // An installation under way stops (its staging is removed; the set is installed again when next needed).
      await Promise.all([...installers].map((i) => i.close()));
      spawner.close();
      await proxy.close();
      await hostPorts.close();
      fs.rmSync(runtimeDir, { recursive: true, force: true });
    },
  };
}

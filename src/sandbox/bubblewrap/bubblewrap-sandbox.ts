// One session's bubblewrap sandbox: its persistent bash starts on the first `bash` call, stops after
// an idle period, an overrun or on close (the workspace stays on disk), and a fresh one starts on the
// next call: shell state (cwd, variables, background jobs) does not survive a restart. The file tools
// never start it: the server serves them on the session's host directories (../confined).
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from '../../domain/clock.js';
import type { Logger } from '../../logger.js';
import type { EnvironmentRecord, SessionRecord } from '../../store/types.js';
import { RESERVED_SANDBOX_VARIABLES, type EnvCredential } from '../../domain/env-credentials.js';
import type { EgressEndpoint, EgressProxy } from '../egress/egress-proxy.js';
import { ANY_HOST, egressPolicy } from '../egress/egress-policy.js';
import type { HostPortRelays } from '../network/host-ports.js';
import type { SlirpTools } from '../network/slirp-network.js';
import { resourceMounts, sessionLayout, sessionRoots, type Mount, type SessionLayout } from '../session-layout.js';
import { AGENT_WORKDIR, type SandboxPreparation, type SessionSandbox, type ToolOutcome } from '../types.js';
import { bwrapArgs, FIRST_EXTRA_FD, type RuntimeFiles, type SandboxSpec } from './bwrap-args.js';
import type { EtcLayout } from './etc-view.js';
import type { InstallResult, LayerBuild, PackageLayers } from '../packages/package-layers.js';
import { describePackageSet, packageSetOf, type PackageSet } from '../packages/package-set.js';
import { PACKAGES_MOUNT } from '../packages/install-script.js';
import { LAYER_PATH, layerVariables } from '../packages/layer-env.js';
import { prepareMountPoints } from './mount-points.js';
import type { SandboxHelperFiles } from './sandbox-helper-files.js';
import { bashCall, SandboxShell } from './sandbox-shell.js';
import type { SandboxSpawner } from './sandbox-spawner.js';
import { capOutcome } from './output-cap.js';
import { ConfinedFileTools } from '../confined/confined-file-tools.js';
import type { Cgroups, SandboxCgroup } from '../limits/cgroups.js';
import { handOver, type SandboxUser } from '../limits/sandbox-user.js';

/** A session's environment-variable credentials, read from its vaults as they are now. */
export interface EnvCredentialSource {
  forSession(session: SessionRecord): Promise<EnvCredential[]>;
}

/** Everything a session sandbox needs from its provider (shared by all sessions). */
export interface BubblewrapRuntime {
  /** Environment-variable credentials (absent: sandboxes get none). */
  credentials: EnvCredentialSource | undefined;
  /** The CA bundle file sandboxes with credential variables trust (created on first use). */
  caBundle: () => string;
  bwrapPath: string;
  /** Forks sandboxes, so the server never does (sandbox-spawner.ts). */
  spawner: SandboxSpawner;
  disableUserns: boolean;
  workspacesDir: string;
  runtimeFiles: RuntimeFiles;
  /** The /etc view to bind (etc-view.ts), or undefined when it could not be made (one bind per entry). */
  etc: () => EtcLayout | undefined;
  helper: SandboxHelperFiles;
  proxy: EgressProxy;
  /** `unrestricted`: slirp4netns's programs (or why they are missing), the routes to install, the host-port door. */
  network: { slirp: SlirpTools | string; routes: readonly string[]; hostPorts: HostPortRelays };
  idleMs: number;
  /** Times the idle stop (tests move it by hand). */
  clock: Clock;
  maxCallMs: number;
  maxOutputBytes: number;
  limits: { memoryMb: number; maxProcesses: number; cpus: number };
  /** Who the sandbox's processes are on the host. */
  user: SandboxUser;
  /** bwrap's argv wrapped to join `procsFiles` and switch to the sandbox user. */
  launch: (argv: string[], procsFiles?: readonly string[]) => string[];
  /** Per-sandbox cgroups, where the host allows them. */
  cgroups: Cgroups | undefined;
  /** The compiled seccomp filter, when one could be built (built at the first call, if not before). */
  seccompFile: () => Promise<string | undefined>;
  /** Host paths no bind may contain (the data dir, the files dir). */
  protectedPaths: readonly string[];
  logger: Logger;
  /** Environment packages: the layer cache, and how a layer is installed (absent: the installer's own sandbox). */
  packages: PackagesRuntime | undefined;
  /** Operator-configured registry hosts that `allow_package_managers` adds (AGENTD_PIP_INDEX_URL, …). */
  packageHosts: readonly string[];
}

/** How a package set becomes a layer (bubblewrap/package-installer.ts). */
export interface PackagesRuntime {
  layers: PackageLayers;
  install(session: SessionRecord, environment: EnvironmentRecord, set: PackageSet, build: LayerBuild): Promise<InstallResult>;
}

/** What a sandbox that is not a session's own (the package installer's) uses instead of the session's. */
export interface SandboxOverrides {
  /** Its host directories (its workspace is its /workspace). */
  layout: SessionLayout;
  /** Its only mounts besides the workspace and outputs. */
  mounts: Mount[];
}

/** Names and placeholders, comparable. */
const variablesKey = (c: SandboxSpec['credentials']): string => JSON.stringify(Object.entries(c?.variables ?? {}).sort());

/** Settles when `signal` aborts (never otherwise). */
function cancelled(signal: AbortSignal): Promise<{ ok: false; message: string }> {
  const result = { ok: false as const, message: 'the wait for the package installation was cut short' };
  if (signal.aborted) return Promise.resolve(result);
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(result), { once: true }));
}

const errorOutcome = (text: string): ToolOutcome => ({ isError: true, content: [{ type: 'text', text }] });

function contains(ancestor: string, p: string): boolean {
  const rel = path.relative(ancestor, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export class BubblewrapSandbox implements SessionSandbox {
  private readonly layout: SessionLayout;
  private readonly logger: Logger;
  private proc: SandboxShell | undefined;
  private starting: Promise<SandboxShell> | undefined;
  /** `bash` calls run one at a time (they share the shell's stdin), in arrival order. */
  private bashQueue: Promise<unknown> = Promise.resolve();
  private endpoint: EgressEndpoint | undefined;
  /** Whether `endpoint` substitutes credentials. */
  private endpointSubstitutes = false;
  /** The credential variables the running host was started with (see restartIfCredentialsChanged). */
  private variablesKey: string | undefined;
  /** Aborts the pending idle stop. */
  private idle: AbortController | undefined;
  private busy = 0;
  /** Bumped by every stop, so a start that raced with it knows its host is unwanted. */
  private generation = 0;
  /** The host directory of the environment's package layer, once prepared. */
  private layer: string | undefined;

  constructor(
    private readonly rt: BubblewrapRuntime,
    private readonly session: SessionRecord,
    private readonly environment: EnvironmentRecord,
    private readonly overrides?: SandboxOverrides,
  ) {
    this.layout = overrides?.layout ?? sessionLayout(rt.workspacesDir, session.id);
    this.logger = rt.logger.child({ session_id: session.id, sandbox: 'bubblewrap' });
  }

  /** The environment's packages: their layer is found in the cache or installed now, then mounted at every start. */
  async prepare(signal: AbortSignal, onWork?: () => void): Promise<SandboxPreparation> {
    const set = packageSetOf(this.environment);
    if (!set || this.layer) return { ok: true };
    onWork?.();
    const packages = this.rt.packages;
    if (!packages) return { ok: false, message: 'this sandbox cannot install packages' };
    const built = packages.layers.ensure(set, (build) => packages.install(this.session, this.environment, set, build)).catch((err: unknown) => {
      this.logger.error({ err }, 'environment packages: the layer could not be built');
      return { ok: false as const, message: `the package layer for ${describePackageSet(set)} could not be built (${err instanceof Error ? err.message : String(err)})` };
    });
    // An interrupt or shutdown stops the wait, not the build: other sessions (and the next turn) may use it.
    const result = await Promise.race([built, cancelled(signal)]);
    if (!result.ok) return result;
    this.layer = result.layer;
    this.logger.info({ layer: result.layer, built: result.built }, result.built ? 'environment packages installed' : 'environment packages reused from the cache');
    // A host started before the layer existed (cannot happen through the engine, which prepares first) would lack it.
    if (this.proc) await this.stopHost();
    return { ok: true };
  }

  async run(name: string, input: Record<string, unknown>, _toolUseId: string, signal: AbortSignal): Promise<ToolOutcome> {
    if (name === 'web_fetch' || name === 'web_search') {
      return errorOutcome(`${name} is not available: this agentd server has no outbound web access for tools yet.`);
    }
    if (ConfinedFileTools.names.has(name)) return capOutcome(await this.fileTools().run(name, input, signal), this.rt.maxOutputBytes);
    if (name !== 'bash') return errorOutcome(`Unknown tool "${name}".`);
    const turn = this.bashQueue.then(() => this.bash(input, signal));
    this.bashQueue = turn.catch(() => {});
    return turn;
  }

  /**
   * The file tools, on the host directories bound into the sandbox at the same paths: the
   * workspace, the outputs, and every mount present now (resources, memory stores, skills, the
   * packages layer). Built per call: mounts come and go between turns.
   */
  private fileTools(): ConfinedFileTools {
    const roots = sessionRoots(this.layout, this.mounts());
    const owner = this.rt.user.switches ? { uid: this.rt.user.uid, gid: this.rt.user.gid } : undefined;
    return new ConfinedFileTools({ workdir: AGENT_WORKDIR, roots, owner });
  }

  /** One `bash` call, as the SDK's tool runs it: `restart` first, the timeout capped by the server's limit. */
  private async bash(input: Record<string, unknown>, signal: AbortSignal): Promise<ToolOutcome> {
    this.idle?.abort();
    this.busy++;
    try {
      const call = bashCall(input);
      if (call.restart) await this.stopHost();
      if ('answer' in call) return call.answer;
      let shell: SandboxShell;
      try {
        await this.restartIfCredentialsChanged();
        shell = await this.host();
        // Memory syncs write as the server between calls: hand their files to the sandbox's user.
        handOver(this.layout.memory, this.rt.user);
      } catch (err) {
        this.logger.warn({ err }, 'sandbox failed to start');
        return errorOutcome(`The sandbox could not start, so the tool did not run: ${err instanceof Error ? err.message : String(err)}`);
      }
      return await shell.exec(call.command, Math.min(call.timeoutMs, this.rt.maxCallMs), signal);
    } finally {
      this.busy--;
      this.armIdle();
    }
  }

  /**
   * A running host whose credential variables no longer match the session's vaults (vault_ids
   * updated, a credential created, archived or replaced) is stopped, so the next start sets the
   * variables as they are now. Only between calls: a call in flight is never cut off for it.
   */
  private async restartIfCredentialsChanged(): Promise<void> {
    if (!this.rt.credentials || !this.proc?.alive || this.busy !== 1 || this.variablesKey === undefined) return;
    const now = variablesKey(await this.credentialVariables());
    if (now === this.variablesKey) return;
    this.logger.info('the session\'s credential variables changed: restarting its sandbox');
    await this.stopHost();
  }

  private armIdle(): void {
    if (this.busy > 0 || !this.proc) return;
    this.idle?.abort();
    const idle = (this.idle = new AbortController());
    void this.rt.clock.sleep(this.rt.idleMs, idle.signal).then(() => {
      if (idle.signal.aborted) return;
      this.logger.debug('stopping idle sandbox');
      void this.stopHost();
    });
  }

  private host(): Promise<SandboxShell> {
    // Reuse a live (or still starting) host; start again after an exit, a failed start, or a kill (a timeout, an
    // interrupt) whose exit has not been seen yet: that shell is going, and must not be handed the next command.
    if (this.starting && this.proc?.usable !== false) return this.starting;
    const started = this.start().catch((err: unknown) => {
      if (this.starting === started) this.starting = undefined;
      throw err;
    });
    this.starting = started;
    return started;
  }

  /**
   * Mounts in force for this start. Mount points inside the session's directories are checked
   * first (no symlink followed); resources not materialised on the host are then left out.
   */
  private mounts(): Mount[] {
    if (this.overrides) return this.overrides.mounts;
    const layer: Mount[] = this.layer ? [{ hostPath: this.layer, mountPath: PACKAGES_MOUNT, readOnly: true }] : [];
    const all = [...resourceMounts(this.layout, this.session), ...layer];
    prepareMountPoints(this.layout, all);
    return all.filter((m) => {
      if (fs.existsSync(m.hostPath)) return true;
      this.logger.warn({ mount_path: m.mountPath }, 'resource not present on the host; not mounted');
      return false;
    });
  }

  private async start(): Promise<SandboxShell> {
    this.proc = undefined;
    const generation = this.generation;
    fs.mkdirSync(this.layout.workspace, { recursive: true });
    fs.mkdirSync(this.layout.outputs, { recursive: true });
    const mounts = this.mounts();
    handOver(this.layout.root, this.rt.user);
    for (const source of [this.layout.workspace, this.layout.outputs, ...mounts.map((m) => m.hostPath)]) {
      const real = fs.realpathSync(source);
      const exposed = this.rt.protectedPaths.find((p) => contains(real, p));
      if (exposed) throw new Error(`refusing to mount ${real} into the sandbox: it contains ${exposed} (check AGENTD_WORKSPACES_DIR)`);
    }
    const policy = egressPolicy(this.session, this.environment, this.rt.packageHosts);
    const credentials = await this.credentialVariables();
    this.variablesKey = variablesKey(credentials);
    // The proxy reads the session's credentials at every request, so a rotated secret counts at once.
    const source = this.rt.credentials;
    const lookup = source && credentials ? () => source.forSession(this.session) : undefined;
    // Decided by the policy alone, and neither mode ever shares the host's network namespace.
    let network: SandboxSpec['network'];
    let slirpPlan: { tools: SlirpTools; routes: readonly string[] } | undefined;
    // An endpoint opened by an earlier start without credentials (none then) is replaced.
    if (this.endpoint && lookup && !this.endpointSubstitutes) {
      await this.endpoint.close();
      this.endpoint = undefined;
    }
    if (!this.endpoint) this.endpointSubstitutes = lookup !== undefined;
    if (policy) {
      this.endpoint ??= await this.rt.proxy.open(this.session.id, policy, lookup);
      network = { kind: 'proxy', socketPath: this.endpoint.socketPath };
    } else {
      const { slirp, routes, hostPorts } = this.rt.network;
      if (typeof slirp === 'string') throw new Error(slirp);
      // Credential variables need the proxy to be substituted: clients that honour the proxy
      // variables go through it (any host), others go out directly carrying the placeholder.
      if (lookup) this.endpoint ??= await this.rt.proxy.open(this.session.id, ANY_HOST, lookup);
      network = {
        kind: 'slirp',
        hostPortsDir: hostPorts.dir,
        hostPorts: hostPorts.ports,
        ...(lookup && this.endpoint ? { proxySocketPath: this.endpoint.socketPath } : {}),
      };
      slirpPlan = { tools: slirp, routes };
    }
    const seccompFile = await this.rt.seccompFile();
    const etc = this.rt.etc();
    const built = bwrapArgs({
      layout: this.layout,
      mounts,
      helper: this.rt.helper,
      runtime: this.rt.runtimeFiles,
      ...(etc !== undefined ? { etc } : {}),
      network,
      limits: this.rt.limits,
      disableUserns: this.rt.disableUserns,
      ...(seccompFile !== undefined ? { seccompFd: FIRST_EXTRA_FD } : {}),
      ...(credentials ? { credentials } : {}),
      ...(this.layer ? { packagesEnv: { path: LAYER_PATH, variables: layerVariables() } } : {}),
    });
    let cgroup: SandboxCgroup | undefined;
    let proc: SandboxShell;
    try {
      cgroup = await this.rt.cgroups?.create(`${process.pid}-${this.session.id}-${generation}-${Date.now()}`, this.rt.limits);
      proc = new SandboxShell({
        spawner: this.rt.spawner,
        request: {
          // The arguments go through fd 3 (`--args`), not argv: bwrap's own command line would
          // otherwise show every host path of the layout to whoever can see it.
          argv: this.rt.launch([this.rt.bwrapPath, '--args', '3', '--', ...built.command], cgroup?.procsFiles ?? []),
          bwrapOptions: built.options,
          seccompFile,
          slirp: slirpPlan,
          relayPorts: built.relays.map((r) => r.port),
        },
        relays: built.relays,
        maxOutputBytes: this.rt.maxOutputBytes,
        onStderr: (text) => this.logger.debug({ stderr: text.slice(0, 2000) }, 'sandbox stderr'),
      });
    } catch (err) {
      void cgroup?.remove();
      throw err;
    }
    void proc.exited.then(() => cgroup?.remove()).catch((err: unknown) => this.logger.warn({ err }, 'sandbox cgroup not removed'));
    this.proc = proc;
    void proc.exited.then(() => this.logger.debug('sandbox exited'));
    await proc.ready;
    if (generation !== this.generation) {
      proc.kill();
      throw new Error('the sandbox was stopped while starting');
    }
    this.logger.debug({ networking: policy ? 'limited' : 'unrestricted' }, 'sandbox started');
    return proc;
  }

  /**
   * The session's credential variables (name → placeholder) for this start, and the CA bundle they
   * need; undefined when it has none. Secrets are not kept: the proxy reads them per request.
   */
  private async credentialVariables(): Promise<SandboxSpec['credentials']> {
    const creds = this.rt.credentials ? await this.rt.credentials.forSession(this.session) : [];
    const variables: Record<string, string> = {};
    for (const c of creds) {
      // Refused when a vault is attached; a credential created in the vault later is skipped here.
      if (RESERVED_SANDBOX_VARIABLES.has(c.name)) {
        this.logger.warn({ credential_id: c.credentialId, name: c.name }, 'credential variable not set: the name is reserved by agentd');
        continue;
      }
      variables[c.name] = c.placeholder;
    }
    if (Object.keys(variables).length === 0) return undefined;
    return { variables, caBundle: this.rt.caBundle() };
  }

  /** Stops the tool host (every process in its sandbox) and its egress endpoint; the workspace stays. */
  private async stopHost(): Promise<void> {
    this.idle?.abort();
    this.generation++;
    const proc = this.proc;
    const endpoint = this.endpoint;
    this.proc = undefined;
    this.starting = undefined;
    this.endpoint = undefined;
    await proc?.stop();
    await endpoint?.close();
  }

  /** Stops what runs; a later call starts it again. */
  async close(): Promise<void> {
    await this.stopHost();
  }
}

// The bubblewrap command line for one session's tool host: which host paths the sandbox sees,
// where, and how (read-only unless it is the session's own workspace or outputs).
import fs from 'node:fs';
import path from 'node:path';
import type { Mount, SessionLayout } from '../session-layout.js';
import { AGENT_OUTPUTS_DIR } from '../session-layout.js';
import { AGENT_WORKDIR } from '../types.js';
import { SHELL_ARGV0, SHELL_BINARY } from '../shell-binary.js';
import { SANDBOX_HOST_PORTS_DIR } from '../network/host-ports.js';
import { SANDBOX_BIN_DIR, SANDBOX_NODE, type SandboxHelperFiles } from './sandbox-helper-files.js';
import type { RelayTargets } from './sandbox-relays.js';
import type { EtcLayout } from './etc-view.js';

export const SANDBOX_HOSTNAME = 'sandbox';
/** Inside the sandbox's own network namespace the proxy relay listens here. */
export const SANDBOX_PROXY_PORT = 3128;
/** Where a sandbox finds its egress proxy endpoint (`limited`, or any sandbox with credential variables). */
export const SANDBOX_PROXY_SOCKET = '/run/agentd/egress.sock';
/** The CA bundle of a sandbox with credential variables: the system's roots plus the egress CA. */
export const SANDBOX_CA_BUNDLE = '/run/agentd/ca-certificates.crt';
/** The variables common TLS clients read their trusted roots from (OpenSSL, Node, Python requests, curl, git). */
const CA_VARIABLES = ['SSL_CERT_FILE', 'NODE_EXTRA_CA_CERTS', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO'];
/** bwrap's pid report and its go-ahead, as fds of the bwrap process (SandboxShell opens them). */
export const INFO_FD = 4;
export const BLOCK_FD = 5;
/** Where bwrap finds the seccomp program (the first fd after those). */
export const FIRST_EXTRA_FD = 6;
/** The Node IPC channel the relay helper hands its listening sockets over (only when there are relays). */
export const RELAY_CHANNEL_FD = 9;
/** /tmp is memory-backed: cap it so it cannot eat the host's RAM. */
const TMP_BYTES = 1024 * 1024 * 1024;

/**
 * System files bash, coreutils, git, curl and node need: name service basics, TLS roots, dynamic
 * linker config, time zone, shell defaults. Not /etc as a whole (it holds host secrets such as
 * /etc/shadow and TLS private keys), and passwd/group/hosts are generated (see RuntimeFiles).
 */
export const ETC_ENTRIES = [
  'alternatives',
  'ssl/certs',
  'ssl/openssl.cnf',
  'ca-certificates',
  'ca-certificates.conf',
  'pki/tls/certs',
  'pki/ca-trust/extracted',
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'localtime',
  'timezone',
  'nsswitch.conf',
  'host.conf',
  'gai.conf',
  'protocols',
  'services',
  'mime.types',
  'bash.bashrc',
  'profile',
  'inputrc',
  'gitconfig',
  'os-release',
  'debian_version',
  'locale.alias',
  'terminfo',
  'magic',
  'magic.mime',
];

/** Top-level system directories: bound read-only, or recreated as the symlinks they are (merged /usr). */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** Files agentd generates for every sandbox (a private directory on the host). */
export interface RuntimeFiles {
  passwd: string;
  group: string;
  hosts: string;
  /** resolv.conf naming slirp4netns's DNS forwarder (unrestricted sandboxes). */
  resolvConf: string;
  /** `{"type":"module"}`, so node loads the tool host's .js files as ES modules. */
  appPackageJson: string;
}

export interface SandboxSpec {
  layout: SessionLayout;
  mounts: Mount[];
  /** The node binary and the relay helper (relay-listen.ts), bound read-only. */
  helper: SandboxHelperFiles;
  runtime: RuntimeFiles;
  /**
   * The /etc view (etc-view.ts): the host files and the generated passwd/group/hosts in one directory,
   * the host directories bound over it. Absent (or with a resource mounted inside /etc): one bind each.
   */
  etc?: EtcLayout;
  /**
   * `slirp`: own namespace, connected by slirp4netns after bwrap reports its pid (info fd) and
   * before it runs the command (block fd), plus the operator's host ports (unrestricted);
   * `proxy`: empty namespace + egress socket (limited). An `unrestricted` sandbox with credential
   * variables also gets the egress socket (`proxySocketPath`), so their placeholders can be substituted.
   */
  network:
    | { kind: 'slirp'; hostPortsDir: string | undefined; hostPorts: readonly number[]; proxySocketPath?: string }
    | { kind: 'proxy'; socketPath: string };
  /** Environment-variable credentials: each variable's placeholder, and the CA bundle trusting the egress CA. */
  credentials?: { variables: Readonly<Record<string, string>>; caBundle: string };
  limits: { memoryMb: number; maxProcesses: number };
  /** bubblewrap ≥ 0.8 can forbid nested user namespaces (probed at start). */
  disableUserns: boolean;
  /** The child fd carrying the seccomp BPF program, when there is one. */
  seccompFd?: number;
  /** Where tools find the environment's packages: directories before PATH, and variables (docs/sandbox.md). */
  packagesEnv?: { path: readonly string[]; variables: Readonly<Record<string, string>> };
}

function systemArgs(spec: SandboxSpec): string[] {
  const args: string[] = [];
  for (const dir of SYSTEM_DIRS) {
    const st = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isSymbolicLink()) args.push('--symlink', fs.readlinkSync(dir), dir);
    else if (st.isDirectory()) args.push('--ro-bind', dir, dir);
  }
  // A resource mounted inside /etc needs its mount point made there, which a read-only view does not allow.
  const etc = spec.mounts.some((m) => isWithin('/etc', m.mountPath)) ? undefined : spec.etc;
  if (etc !== undefined) {
    args.push('--ro-bind', etc.dir, '/etc');
    for (const entry of etc.directories) args.push('--ro-bind-try', `/etc/${entry}`, `/etc/${entry}`);
  } else {
    for (const entry of ETC_ENTRIES) args.push('--ro-bind-try', `/etc/${entry}`, `/etc/${entry}`);
    args.push('--ro-bind', spec.runtime.passwd, '/etc/passwd', '--ro-bind', spec.runtime.group, '/etc/group');
    args.push('--ro-bind', spec.runtime.hosts, '/etc/hosts');
  }
  return args;
}

const PATH = `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${SANDBOX_BIN_DIR}`;

/** The egress socket the sandbox is given, if any. */
function proxySocket(network: SandboxSpec['network']): string | undefined {
  return network.kind === 'proxy' ? network.socketPath : network.proxySocketPath;
}

function envArgs(spec: SandboxSpec): string[] {
  // Credential placeholders first: the names agentd needs are reserved (sessions refuse them) and win anyway.
  const env: Record<string, string> = { ...spec.credentials?.variables };
  Object.assign(env, { PATH, HOME: AGENT_WORKDIR, LANG: 'C.UTF-8', TERM: 'dumb', TMPDIR: '/tmp' });
  if (spec.packagesEnv) Object.assign(env, spec.packagesEnv.variables, { PATH: [...spec.packagesEnv.path, PATH].join(':') });
  if (spec.credentials) for (const name of CA_VARIABLES) env[name] = SANDBOX_CA_BUNDLE;
  if (proxySocket(spec.network)) {
    const proxy = `http://127.0.0.1:${SANDBOX_PROXY_PORT}`;
    Object.assign(env, { HTTP_PROXY: proxy, HTTPS_PROXY: proxy, http_proxy: proxy, https_proxy: proxy });
    // The sandbox's loopback is its own (servers the agent starts): keep it off the proxy.
    Object.assign(env, { NO_PROXY: 'localhost,127.0.0.1,::1', no_proxy: 'localhost,127.0.0.1,::1' });
  }
  return ['--clearenv', ...Object.entries(env).flatMap(([k, v]) => ['--setenv', k, v])];
}

/**
 * Lowers (never raises) hard and soft limits (children inherit them); when the sandbox has loopback
 * doors, runs the relay helper (its listening sockets go to the server over the IPC fd, which is then
 * closed); then becomes the agent's persistent shell.
 */
const SHELL_SCRIPT = [
  'lower() { cur=$(ulimit -H "$1"); if [ "$2" != 0 ] && { [ "$cur" = unlimited ] || [ "$cur" -gt "$2" ]; }; then ulimit -S -H "$1" "$2"; fi; }',
  'lower -v "$AGENTD_AS_KB" && lower -u "$AGENTD_NPROC" && ulimit -S -H -c 0 || exit 97',
  'unset AGENTD_AS_KB AGENTD_NPROC',
  `if [ "$#" -gt 0 ]; then NODE_CHANNEL_FD=${RELAY_CHANNEL_FD} "$@" || exit 96; fi`,
  `exec ${RELAY_CHANNEL_FD}>&-`,
  `exec -a ${SHELL_ARGV0} ${SHELL_BINARY} --noprofile --norc`,
].join('\n');

/** bwrap's options, the command it runs inside the sandbox, and its loopback doors (the relay helper opens them). */
export function bwrapArgs(spec: SandboxSpec): { options: string[]; command: string[]; relays: RelayTargets } {
  const { layout, network } = spec;
  // --as-pid-1: the shell is the namespace's init, no reaper process beside it (1.4 MiB of RSS per
  // sandbox). It reaps the orphans it adopts (bash waits for any child), nothing inside can signal
  // it to death, and when it exits the kernel kills whatever is left in the namespace.
  const args = ['--unshare-all', '--as-pid-1', '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--hostname', SANDBOX_HOSTNAME];
  if (spec.disableUserns) args.push('--unshare-user', '--disable-userns');
  if (spec.seccompFd !== undefined) args.push('--seccomp', String(spec.seccompFd));
  // Inherited by bwrap (see SandboxShell): it reports the sandbox's pid, then waits for the network.
  if (network.kind === 'slirp') args.push('--info-fd', String(INFO_FD), '--block-fd', String(BLOCK_FD));
  args.push(...systemArgs(spec));
  args.push('--proc', '/proc', '--dev', '/dev', '--size', String(TMP_BYTES), '--tmpfs', '/tmp');
  if (network.kind === 'slirp') args.push('--ro-bind', spec.runtime.resolvConf, '/etc/resolv.conf');
  for (const b of spec.helper.binds) args.push('--ro-bind', b.hostPath, b.sandboxPath);
  args.push('--bind', layout.workspace, AGENT_WORKDIR, '--bind', layout.outputs, AGENT_OUTPUTS_DIR);
  for (const m of spec.mounts) args.push(m.readOnly ? '--ro-bind' : '--bind', m.hostPath, m.mountPath);
  const socket = proxySocket(network);
  if (socket) args.push('--ro-bind', socket, SANDBOX_PROXY_SOCKET);
  if (spec.credentials) args.push('--ro-bind', spec.credentials.caBundle, SANDBOX_CA_BUNDLE);
  if (network.kind === 'slirp' && network.hostPortsDir) args.push('--ro-bind', network.hostPortsDir, SANDBOX_HOST_PORTS_DIR);
  // The root itself (a tmpfs holding the mount points) becomes read-only once everything is in place.
  args.push('--remount-ro', '/', '--chdir', AGENT_WORKDIR);
  args.push(...envArgs(spec));
  args.push('--setenv', 'AGENTD_AS_KB', String(spec.limits.memoryMb * 1024), '--setenv', 'AGENTD_NPROC', String(spec.limits.maxProcesses));
  // What the SDK's BashSession sets for its pipe framing (no prompts).
  args.push('--setenv', 'PS1', '', '--setenv', 'PS2', '');
  const relays = relayTargets(spec.network);
  const helper = relays.length > 0 ? [SANDBOX_NODE, spec.helper.relayEntry, ...relays.map((r) => String(r.port))] : [];
  return { options: args, command: [SHELL_BINARY, '-c', SHELL_SCRIPT, 'agentd-sandbox', ...helper], relays };
}

/** The sandbox's loopback doors: the egress proxy (when it has the socket) and the operator's host ports. */
function relayTargets(network: SandboxSpec['network']): RelayTargets {
  const socket = proxySocket(network);
  const proxy = socket ? [{ port: SANDBOX_PROXY_PORT, socketPath: socket }] : [];
  const hostPorts =
    network.kind === 'slirp' && network.hostPortsDir ? network.hostPorts.map((port) => ({ port, socketPath: `${network.hostPortsDir}/${port}.sock` })) : [];
  return [...proxy, ...hostPorts];
}

export function isWithin(root: string, p: string): boolean {
  const rel = path.posix.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.posix.isAbsolute(rel));
}

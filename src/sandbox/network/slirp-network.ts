// Gives one sandbox's own network namespace a way to the internet: slirp4netns (user-mode TCP/IP,
// its sockets opened on the host) with the host's loopback disabled, then its address, default
// route and the `prohibit` routes inside
// the namespace for every blocked destination (destination-policy.ts). Runs while the sandbox is
// still blocked before its first command, so nothing inside ever sees the namespace unrouted.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { SLIRP } from './destination-policy.js';

export interface SlirpTools {
  slirp4netns: string;
  nsenter: string;
  ip: string;
}

export interface AttachedNetwork {
  /** Stops slirp4netns (the namespace itself goes with the sandbox). */
  close(): void;
}

const SETUP_TIMEOUT_MS = 30_000;

/**
 * What `slirp4netns --configure` would do, minus the loopback: bwrap sets up `lo` itself at the
 * same moment, and two writers of the same address race (bwrap then fails "RTM_NEWADDR").
 */
const INTERFACE_PLAN = [
  `link set dev ${SLIRP.device} mtu 65520 up`,
  `addr add ${SLIRP.address}/24 dev ${SLIRP.device}`,
  `route add default via ${SLIRP.gateway} dev ${SLIRP.device}`,
];

function run(cmd: string, args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')}: ${stderr.trim() || `exit ${code}`}`))));
    child.stdin.end(input);
  });
}

/** Waits for slirp4netns's ready byte (or its early death). */
function ready(child: ChildProcess, readyPipe: Readable, stderr: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`slirp4netns did not become ready within ${SETUP_TIMEOUT_MS} ms`)), SETUP_TIMEOUT_MS);
    const fail = (err: Error) => {
      clearTimeout(timer);
      reject(err);
    };
    readyPipe.once('data', () => {
      clearTimeout(timer);
      resolve();
    });
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`slirp4netns exited (${stderr().trim() || `exit ${code}`})`)));
  });
}

/**
 * Connects the network namespace of process `pid` (the sandbox's first process) to the internet
 * through slirp4netns, then installs `routeLines` (ip -batch) inside it.
 */
export async function attachSlirpNetwork(tools: SlirpTools, pid: number, routeLines: readonly string[]): Promise<AttachedNetwork> {
  // fd 3: slirp4netns writes "1" when ready; fd 4: it exits when this pipe's other end closes,
  // which the kernel does for us if agentd itself dies.
  const args = [
    '--mtu=65520', '--disable-host-loopback', '--enable-sandbox', '--enable-seccomp',
    // By path, not pid: given a pid, slirp4netns also joins that process's user namespace, which
    // bwrap may by then have replaced with the nested one it creates for --disable-userns (where
    // joining the network namespace is refused).
    '--ready-fd=3', '--exit-fd=4', '--netns-type=path', `/proc/${pid}/ns/net`, SLIRP.device,
  ];
  const child = spawn(tools.slirp4netns, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const exitPipe = child.stdio[4] as Writable;
  exitPipe.on('error', () => {});
  const close = () => {
    exitPipe.destroy();
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  try {
    await ready(child, child.stdio[3] as Readable, () => stderr);
    // Root reaches any namespace's routes directly; an unprivileged agentd enters the sandbox's
    // user namespace, which it owns, to get CAP_NET_ADMIN there.
    const enter = process.getuid?.() === 0 ? ['--net'] : ['--user', '--net', '--preserve-credentials'];
    const lines = [...INTERFACE_PLAN, ...routeLines];
    await run(tools.nsenter, [`--target=${pid}`, ...enter, '--', tools.ip, '-batch', '-'], lines.join('\n') + '\n');
  } catch (err) {
    close();
    throw err;
  }
  return { close };
}

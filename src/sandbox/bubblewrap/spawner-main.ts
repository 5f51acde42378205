// The sandbox spawner: a small process the server starts once, which forks every sandbox (bwrap,
// slirp4netns, nsenter; and the unsandboxed provider's shells) so that the server itself never
// forks. A fork copies the parent's page tables: from a server holding a thousand sessions
// (hundreds of MiB) each spawn blocked its event loop for 5–25 ms, three times per sandbox. This
// process stays small, hands each sandbox's stdio and loopback listening sockets to the server over
// the IPC channel, and reports its exit. When the server goes (the channel closes), it kills every
// sandbox and exits.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import fs from 'node:fs';
import type { Server } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { attachSlirpNetwork } from '../network/slirp-network.js';
import type { SpawnRequest, SpawnerMessage, SpawnerRequest } from './spawner-protocol.js';
import { FIRST_EXTRA_FD, RELAY_CHANNEL_FD } from './bwrap-args.js';


/** Running children by request id; `group`: a plain process leading a process group of its own, killed with it. */
const children = new Map<number, { child: ChildProcess; group: boolean }>();

function kill({ child, group }: { child: ChildProcess; group: boolean }): void {
  if (group && child.pid !== undefined) {
    try {
      // The group: what the shell left running (a hung command, background jobs) goes with it.
      process.kill(-child.pid, 'SIGKILL');
      return;
    } catch {
      // already gone; fall through
    }
  }
  child.kill('SIGKILL');
}

/** Tracks a spawned child: a spawn failure and its exit are reported (after `onExit`). */
function adopt(id: number, child: ChildProcess, group: boolean, onExit: () => void = () => {}): void {
  children.set(id, { child, group });
  child.on('error', (err) => {
    send({ id, failed: err.message });
    // Never started (no such program): no exit will follow.
    if (child.pid === undefined && children.delete(id)) send({ id, exited: { code: null, signal: null } });
  });
  child.on('exit', (code, signal) => {
    children.delete(id);
    onExit();
    send({ id, exited: { code, signal } });
  });
}

/** Hands the child's stdin, stdout and stderr to the server. */
function sendStdio(id: number, child: ChildProcess): void {
  send({ id, stdio: 'stdin' }, child.stdin!);
  send({ id, stdio: 'stdout' }, child.stdout!);
  send({ id, stdio: 'stderr' }, child.stderr!);
}

/** A plain process (no bwrap): its stdio goes to the server, and its exit. */
function startPlain(id: number, argv: readonly string[], plain: NonNullable<SpawnRequest['plain']>): void {
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], cwd: plain.cwd, env: plain.env, detached: true, argv0: plain.argv0 });
  adopt(id, child, true);
  if (child.pid === undefined) return;
  sendStdio(id, child);
  send({ id, started: true, pid: child.pid });
}

function send(message: SpawnerMessage, handle?: Readable | Writable | Server): void {
  if (process.connected) process.send!(message, handle as never);
}

/** Reads the sandbox's pid from bwrap's info fd. */
function sandboxPid(info: Readable): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    info.on('error', reject);
    info.on('end', () => reject(new Error('bwrap exited before reporting its pid')));
    info.on('data', (d: Buffer) => {
      text += d.toString();
      const pid = Number(/"child-pid":\s*(\d+)/.exec(text)?.[1]);
      if (pid) resolve(pid);
    });
  });
}

/** The relay helper's listening sockets, passed on to the server as they arrive. */
function forwardRelays(id: number, child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.on('message', (msg: { port?: number; done?: boolean }, handle: unknown) => {
      if (typeof msg?.port === 'number' && handle) {
        // Node keeps a sent server open (and accepting) in the sender: the server alone must accept.
        const server = handle as Server;
        if (process.connected) process.send!({ id, relay: msg.port } satisfies SpawnerMessage, server, {}, () => server.close());
        else server.close();
      }
      if (msg?.done) resolve();
    });
  });
}

async function start(req: SpawnRequest): Promise<void> {
  if (req.plain) return startPlain(req.id, req.argv, req.plain);
  const { id } = req;
  const net = req.slirp ? ('pipe' as const) : ('ignore' as const);
  const seccompFd = req.seccompFile ? fs.openSync(req.seccompFile, 'r') : undefined;
  // fd 3: bwrap's options; 4: its info (pid); 5: its go-ahead; FIRST_EXTRA_FD: the seccomp program.
  const stdio: StdioOptions = ['pipe', 'pipe', 'pipe', 'pipe', net, net];
  while (stdio.length < FIRST_EXTRA_FD) stdio.push('ignore');
  stdio.push(seccompFd ?? 'ignore');
  if (req.relayPorts.length > 0) {
    while (stdio.length < RELAY_CHANNEL_FD) stdio.push('ignore');
    stdio.push('ipc');
  }
  let child: ChildProcess;
  try {
    child = spawn(req.argv[0]!, req.argv.slice(1), { stdio, env: {} });
  } finally {
    if (seccompFd !== undefined) fs.closeSync(seccompFd);
  }
  let teardown: (() => void) | undefined;
  adopt(id, child, false, () => teardown?.());
  const args = child.stdio[3] as Writable;
  args.on('error', () => {}); // bwrap failing early is reported by its exit
  args.end(req.bwrapOptions.map((a) => a + '\0').join(''));
  const relays = req.relayPorts.length > 0 ? forwardRelays(id, child) : Promise.resolve();
  sendStdio(id, child);
  try {
    if (req.slirp) {
      const go = (child.stdio as unknown as Writable[])[5]!;
      go.on('error', () => {});
      const pid = await sandboxPid(child.stdio[4] as Readable);
      const attached = await attachSlirpNetwork(req.slirp.tools, pid, req.slirp.routes);
      teardown = () => attached.close();
      if (!children.has(id)) return teardown();
      go.end('1');
    }
    await relays;
    send({ id, started: true, pid: child.pid! });
  } catch (err) {
    send({ id, failed: `the sandbox's network could not be set up: ${err instanceof Error ? err.message : String(err)}` });
    child.kill('SIGKILL');
  }
}

process.on('message', (req: SpawnerRequest) => {
  if (req.op === 'kill') {
    const entry = children.get(req.id);
    if (entry) kill(entry);
  } else void start(req).catch((err: unknown) => send({ id: req.id, failed: err instanceof Error ? err.message : String(err) }));
});

// The server is gone (or stopping): so are its sandboxes.
process.on('disconnect', () => {
  for (const entry of children.values()) kill(entry);
  process.exit(0);
});

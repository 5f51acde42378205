// The server's side of the sandbox spawner (spawner-main.ts): starts it on first use, asks it for
// sandboxes, and turns what it hands back (stdio sockets, loopback listening sockets, the exit)
// into a SpawnedSandbox. If the spawner dies, every sandbox it started has exited with it.
import { spawn, type ChildProcess } from 'node:child_process';
import type net from 'node:net';
import path from 'node:path';
import type { Logger } from '../../logger.js';
import type { SpawnRequest, SpawnerMessage } from './spawner-protocol.js';

/** One sandbox process as the server holds it: its stdio, its exit, how to kill it. */
export interface SpawnedSandbox {
  readonly stdin: net.Socket;
  readonly stdout: net.Socket;
  readonly stderr: net.Socket;
  /** The loopback listening sockets, by port (all of them once `started` resolved). */
  readonly relays: ReadonlyMap<number, net.Server>;
  /** Resolves once it runs (network attached, relays handed over) with bwrap's pid; rejects with why not. */
  readonly started: Promise<number>;
  /** Resolves when bwrap has exited. */
  readonly exited: Promise<void>;
  readonly alive: boolean;
  kill(): void;
}

interface Pending {
  stdio: Partial<Record<'stdin' | 'stdout' | 'stderr', net.Socket>>;
  gotStdio: () => void;
  relays: Map<number, net.Server>;
  start: { resolve: (pid: number) => void; reject: (err: Error) => void };
  exit: () => void;
  failure: string | undefined;
}

export class SandboxSpawner {
  private process: ChildProcess | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(
    /** The compiled spawner-main.js. */
    private readonly entry: string,
    private readonly logger: Logger,
  ) {}

  private spawner(): ChildProcess {
    if (this.process?.connected) return this.process;
    // Only PATH of the server's environment (its keys, database URL, cloud credentials stay out of
    // the spawner and of slirp4netns and nsenter, which it starts with its environment).
    const env = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin' };
    const child = spawn(process.execPath, [this.entry], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], cwd: path.dirname(this.entry), env });
    child.stderr!.on('data', (d: Buffer) => this.logger.warn({ stderr: d.toString().slice(0, 2000) }, 'sandbox spawner stderr'));
    child.on('message', (msg: SpawnerMessage, handle: unknown) => this.onMessage(msg, handle));
    child.on('exit', (code, signal) => {
      if (this.process === child) this.process = undefined;
      if (this.pending.size > 0) this.logger.error({ code, signal, sandboxes: this.pending.size }, 'the sandbox spawner exited: its sandboxes went with it');
      for (const p of this.pending.values()) {
        p.start.reject(new Error('the sandbox spawner exited'));
        p.exit();
      }
      this.pending.clear();
    });
    // The spawner must not keep the server's event loop alive on its own.
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
    this.process = child;
    return child;
  }

  private onMessage(msg: SpawnerMessage, handle: unknown): void {
    const p = this.pending.get(msg.id);
    if (!p) {
      (handle as { destroy?: () => void; close?: () => void } | undefined)?.destroy?.();
      return;
    }
    if ('stdio' in msg) {
      p.stdio[msg.stdio] = handle as net.Socket;
      if (p.stdio.stdin && p.stdio.stdout && p.stdio.stderr) p.gotStdio();
    } else if ('relay' in msg) p.relays.set(msg.relay, handle as net.Server);
    else if ('started' in msg) p.start.resolve(msg.pid);
    else if ('failed' in msg) {
      p.failure = msg.failed;
      p.start.reject(new Error(msg.failed));
    } else if ('exited' in msg) {
      this.pending.delete(msg.id);
      p.start.reject(new Error(p.failure ?? `exit ${msg.exited.code ?? msg.exited.signal}`));
      for (const s of p.relays.values()) s.close();
      p.exit();
    }
  }

  /** Starts a sandbox; its stdio is there once this resolves. */
  async spawn(request: Omit<SpawnRequest, 'op' | 'id'>): Promise<SpawnedSandbox> {
    const id = this.nextId++;
    const spawner = this.spawner();
    let gotStdio!: () => void;
    const stdio = new Promise<void>((resolve) => (gotStdio = resolve));
    let start!: Pending['start'];
    const started = new Promise<number>((resolve, reject) => (start = { resolve, reject }));
    started.catch(() => {});
    let alive = true;
    let exit!: () => void;
    const exited = new Promise<void>((resolve) => (exit = () => ((alive = false), resolve())));
    const p: Pending = { stdio: {}, gotStdio, relays: new Map(), start, exit, failure: undefined };
    this.pending.set(id, p);
    spawner.send({ op: 'spawn', id, ...request });
    await Promise.race([stdio, exited]);
    if (!p.stdio.stdin || !p.stdio.stdout || !p.stdio.stderr) throw new Error(`the sandbox did not start: ${p.failure ?? 'the spawner did not hand over its stdio'}`);
    const { stdin, stdout, stderr } = p.stdio;
    return {
      stdin,
      stdout,
      stderr,
      relays: p.relays,
      started,
      exited,
      get alive() {
        return alive;
      },
      kill: () => {
        if (alive && this.process?.connected) this.process.send({ op: 'kill', id });
      },
    };
  }

  /** Stops the spawner (and with it any sandbox still running). */
  close(): void {
    if (this.process?.connected) this.process.disconnect();
    this.process = undefined;
  }
}

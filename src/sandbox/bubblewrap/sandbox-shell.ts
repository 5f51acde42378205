// One running sandbox: the bwrap child whose main process is the agent's persistent bash, and the
// `bash` tool's conversation with it. Commands are framed as the SDK's own BashSession frames them
// (a per-call nonce sentinel carrying the exit status), so output and errors read the same as the
// SDK's `bash` tool. Nothing else runs in the sandbox: the file tools are served by the server
// (../confined), and the loopback relays are accepted by the server (sandbox-relays.ts).
import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { ToolOutcome } from '../types.js';
import { capOutcome } from './output-cap.js';
import { acceptRelays, type RelayTargets } from './sandbox-relays.js';
import { RELAY_CHANNEL_FD } from './bwrap-args.js';

/** Time the sandbox gets to start (bwrap, slirp4netns and the relay helper on a slow, busy machine). */
const READY_TIMEOUT_MS = 60_000;
/** What the SDK's BashSession keeps of a command's output: the tail, with a marker. */
const OUTPUT_TAIL_CHARS = 100 * 1024;
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;

export interface SandboxShellOptions {
  bwrapPath: string;
  /** bwrap's options (sent through a pipe) and the command to run inside. */
  args: string[];
  command: string[];
  maxOutputBytes: number;
  onStderr: (text: string) => void;
  /**
   * Own network namespace to connect (the args carry `--info-fd 4 --block-fd 5`): called with the
   * sandbox's pid while bwrap waits; the command runs only once it resolved. Returns its teardown.
   */
  attachNetwork?: (pid: number) => Promise<() => void>;
  /** Host fds handed to bwrap at child fds FIRST_EXTRA_FD, … (the seccomp program). */
  extraFds?: readonly number[];
  /** Runs bwrap through this prefix (cgroup join, switch to the sandbox user). */
  launcher?: (bwrapArgv: string[]) => string[];
  /** Loopback ports the sandbox's relay helper listens on, and where the server sends their connections. */
  relays?: RelayTargets;
}

/** fd 3: bwrap's options; 4: its info (pid); 5: its go-ahead; from 6: extra fds. */
export const FIRST_EXTRA_FD = 6;

/** A shell-quoted single line the shell's printf turns back into `text` (keeps it out of what we write). */
const split = (text: string) => `${text.slice(0, 8)}''${text.slice(8)}`;

export class BashTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`bash command timed out after ${timeoutMs}ms`);
  }
}

export class SandboxShell {
  private readonly child: ChildProcess;
  private output = '';
  private truncated = false;
  private waiting: { sentinel: string; resolve: () => void } | undefined;
  private stderrTail = '';
  private exitedFlag = false;
  private closeRelays: () => void = () => {};
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;

  constructor(private readonly opts: SandboxShellOptions) {
    // The arguments go through fd 3 (`--args`), not argv: inside the sandbox /proc/1/cmdline
    // (bwrap's reaper) would otherwise show every host path of the layout.
    const net = opts.attachNetwork ? ('pipe' as const) : ('ignore' as const);
    const stdio: StdioOptions = ['pipe', 'pipe', 'pipe', 'pipe', net, net, ...(opts.extraFds ?? [])];
    if (opts.relays?.length) {
      while (stdio.length < RELAY_CHANNEL_FD) stdio.push('ignore');
      stdio.push('ipc');
    }
    const argv = [opts.bwrapPath, '--args', '3', '--', ...opts.command];
    const [cmd, ...args] = opts.launcher ? opts.launcher(argv) : argv;
    this.child = spawn(cmd!, args, { stdio, env: {} });
    const argsPipe = this.child.stdio[3] as Writable;
    argsPipe.on('error', () => {}); // bwrap failing early is reported through 'close'
    argsPipe.end(opts.args.map((a) => a + '\0').join(''));
    this.exited = new Promise<void>((resolve) => {
      this.child.on('close', () => {
        this.exitedFlag = true;
        this.closeRelays();
        this.wake();
        resolve();
      });
    });
    this.child.on('error', (err) => {
      this.stderrTail += err.message;
    });
    this.child.stdin!.on('error', () => {}); // a dead shell is reported through 'close'
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => this.append(d));
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderrTail = (this.stderrTail + d).slice(-2000);
      opts.onStderr(d);
      this.append(d);
    });
    this.ready = this.start();
    this.ready.catch(() => {});
  }

  private async start(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`the sandbox did not start within ${READY_TIMEOUT_MS} ms`));
        this.kill();
      }, READY_TIMEOUT_MS);
    });
    const exited = this.exited.then(() => {
      throw new Error(`the sandbox exited: ${this.stderrTail.trim().slice(-500) || `exit ${this.child.exitCode ?? this.child.signalCode}`}`);
    });
    try {
      const steps = (async () => {
        if (this.opts.attachNetwork) await this.connectNetwork(this.opts.attachNetwork);
        if (this.opts.relays?.length) this.closeRelays = await acceptRelays(this.child, this.opts.relays);
        // The shell is up when it answers: the same framing as any command, with nothing to run.
        await this.frame(':', READY_TIMEOUT_MS, undefined);
      })();
      await Promise.race([steps, timeout, exited]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Reads the sandbox's pid from bwrap's info fd, attaches the network, then lets bwrap go on. */
  private connectNetwork(attach: (pid: number) => Promise<() => void>): Promise<void> {
    const info = this.child.stdio[4] as Readable;
    const go = (this.child.stdio as unknown as Writable[])[5]!;
    go.on('error', () => {});
    info.on('error', () => {});
    return new Promise<void>((resolve, reject) => {
      let text = '';
      const onInfo = (d: Buffer) => {
        text += d.toString();
        const pid = Number(/"child-pid":\s*(\d+)/.exec(text)?.[1]);
        if (!pid) return;
        info.off('data', onInfo);
        attach(pid).then(
          (teardown) => {
            void this.exited.then(teardown);
            if (this.alive) go.end('1');
            resolve();
          },
          (err: unknown) => {
            this.kill();
            reject(new Error(`the sandbox's network could not be set up: ${err instanceof Error ? err.message : String(err)}`));
          },
        );
      };
      info.on('data', onInfo);
    });
  }

  get alive(): boolean {
    return !this.exitedFlag;
  }

  /** The sandbox's processes: bwrap (outside) and, below it, everything inside. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  private append(d: string): void {
    this.output += d;
    if (this.output.length > OUTPUT_TAIL_CHARS) {
      this.output = this.output.slice(this.output.length - OUTPUT_TAIL_CHARS);
      this.truncated = true;
    }
    if (this.waiting && this.output.includes(this.waiting.sentinel)) this.wake();
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.resolve();
  }

  /**
   * Runs `command` in the shell and resolves with its output and exit status. Rejects with
   * BashTimeout, the signal's reason, or when the shell dies; after a rejection the shell's state
   * is unknown (the command may still run), so the caller stops the sandbox.
   */
  private async frame(command: string, timeoutMs: number, signal: AbortSignal | undefined): Promise<{ output: string; exitCode: number }> {
    if (!this.alive) throw new Error('bash session terminated');
    signal?.throwIfAborted();
    this.output = '';
    this.truncated = false;
    // Per-call nonce, so a command printing a fixed marker cannot fake the exit status.
    const sentinel = `__ANT_CMD_${randomUUID()}_DONE__`;
    // </dev/null: a command reading stdin gets EOF instead of eating the next command.
    this.child.stdin!.write(`{ ${command}\n} </dev/null 2>&1; printf '\\n${split(sentinel)}%d\\n' $?\n`);
    if (!this.output.includes(sentinel)) {
      let timer: NodeJS.Timeout | undefined;
      let onAbort: (() => void) | undefined;
      try {
        await Promise.race([
          new Promise<void>((resolve) => (this.waiting = { sentinel, resolve })),
          new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new BashTimeout(timeoutMs)), timeoutMs))),
          new Promise<never>((_, reject) => {
            if (!signal) return;
            onAbort = () => reject(signal.reason);
            signal.addEventListener('abort', onAbort, { once: true });
          }),
        ]);
      } finally {
        clearTimeout(timer);
        if (onAbort) signal?.removeEventListener('abort', onAbort);
        this.waiting = undefined;
      }
    }
    const at = this.output.indexOf(sentinel);
    if (at < 0) throw new Error('bash session terminated');
    const exitCode = Number(/^(-?\d+)/.exec(this.output.slice(at + sentinel.length))?.[1] ?? -1);
    let out = this.output.slice(0, at).replace(ANSI, '').replace(/\n+$/, '');
    if (this.truncated) out = `[output truncated]\n${out}`;
    return { output: out, exitCode };
  }

  /**
   * The `bash` tool's answer for one command, as the SDK's tool gives it: the output, or an error
   * with the output (or `exit N`) when the status is not 0, or `bash: <why>` when it did not finish
   * (then the sandbox is stopped: its shell is in an unknown state).
   */
  async exec(command: string, timeoutMs: number, signal: AbortSignal): Promise<ToolOutcome> {
    try {
      const { output, exitCode } = await this.frame(command, timeoutMs, signal);
      const text = exitCode !== 0 ? output || `exit ${exitCode}` : output;
      return capOutcome({ isError: exitCode !== 0, content: [{ type: 'text', text }] }, this.opts.maxOutputBytes);
    } catch (err) {
      this.kill();
      const why = err instanceof Error ? err.message : String(err);
      return { isError: true, content: [{ type: 'text', text: `bash: ${why}` }] };
    }
  }

  /** Ends the shell (its stdin closes), and kills the sandbox if it does not exit in time. */
  async stop(graceMs = 2_000): Promise<void> {
    if (!this.alive) return;
    this.child.stdin!.end();
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    // bwrap runs the shell as pid 1's child in a private pid namespace: killing bwrap (with
    // --die-with-parent on the host) takes every process of the sandbox with it.
    if (this.alive) this.child.kill('SIGKILL');
  }
}

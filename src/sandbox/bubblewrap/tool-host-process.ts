// One running tool host: the bwrap child process and the JSON-lines conversation with it
// (calls, cancels, per-call deadline). Replies are bounded and re-validated, since the process
// runs inside the sandbox and the agent's code can write to its stdout.
import { spawn, type ChildProcessWithoutNullStreams, type StdioOptions } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { ToolOutcome } from '../types.js';
import { capOutcome } from './output-cap.js';
import type { ToolHostMessage, ToolHostRequest } from './protocol.js';

/** Time a cancelled call gets to answer before the whole tool host is killed. */
const CANCEL_GRACE_MS = 5_000;
/** Time the tool host gets to start (node loading the SDK on a slow, busy machine). */
const READY_TIMEOUT_MS = 60_000;

export interface ToolHostOptions {
  bwrapPath: string;
  /** bwrap's options (sent through a pipe) and the command to run inside. */
  args: string[];
  command: string[];
  maxCallMs: number;
  maxOutputBytes: number;
  onStderr: (text: string) => void;
  /**
   * Own network namespace to connect (the args carry `--info-fd 4 --block-fd 5`): called with the
   * sandbox's pid while bwrap waits; the command runs only once it resolved. Returns its teardown.
   */
  attachNetwork?: (pid: number) => Promise<() => void>;
  /** Host fds handed to bwrap at child fds FIRST_EXTRA_FD, … (seccomp program, fd binds). */
  extraFds?: readonly number[];
  /** Runs bwrap through this prefix (cgroup join, switch to the sandbox user). */
  launcher?: (bwrapArgv: string[]) => string[];
}

/** fd 3: bwrap's options; 4: its info (pid); 5: its go-ahead; from 6: extra fds. */
export const FIRST_EXTRA_FD = 6;

interface Pending {
  resolve: (outcome: ToolOutcome) => void;
}

const text = (t: string): ToolOutcome => ({ isError: true, content: [{ type: 'text', text: t }] });

export class ToolHostProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private buffer = '';
  private stderrTail = '';
  private exitedFlag = false;
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;

  constructor(private readonly opts: ToolHostOptions) {
    // The arguments go through fd 3 (`--args`), not argv: inside the sandbox /proc/1/cmdline
    // (bwrap's reaper) would otherwise show every host path of the layout.
    const net = opts.attachNetwork ? ('pipe' as const) : ('ignore' as const);
    const stdio: StdioOptions = ['pipe', 'pipe', 'pipe', 'pipe', net, net, ...(opts.extraFds ?? [])];
    const argv = [opts.bwrapPath, '--args', '3', '--', ...opts.command];
    const [cmd, ...args] = opts.launcher ? opts.launcher(argv) : argv;
    this.child = spawn(cmd!, args, { stdio, env: {} }) as unknown as ChildProcessWithoutNullStreams;
    const argsPipe = this.child.stdio[3] as Writable;
    argsPipe.on('error', () => {}); // bwrap failing early is reported through 'close'
    argsPipe.end(opts.args.map((a) => a + '\0').join(''));
    let markReady!: () => void;
    let failReady!: (err: Error) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    this.ready.catch(() => {});
    const readyTimer = setTimeout(() => {
      failReady(new Error(`the sandbox did not start within ${READY_TIMEOUT_MS} ms`));
      this.kill();
    }, READY_TIMEOUT_MS);
    this.exited = new Promise<void>((resolve) => {
      this.child.on('close', (code, signal) => {
        this.exitedFlag = true;
        clearTimeout(readyTimer);
        const why = this.stderrTail.trim().slice(-500) || `exit ${code ?? signal}`;
        failReady(new Error(`the sandbox exited: ${why}`));
        for (const p of this.pending.values()) p.resolve(text(`The sandbox's tool process exited while running this tool (${why}).`));
        this.pending.clear();
        resolve();
      });
    });
    this.child.on('error', (err) => {
      this.stderrTail += err.message;
    });
    if (opts.attachNetwork) this.connectNetwork(opts.attachNetwork, failReady);
    this.child.stdin.on('error', () => {}); // a dead host is reported through 'close'
    this.child.stderr.on('data', (d: Buffer) => {
      const s = d.toString();
      this.stderrTail = (this.stderrTail + s).slice(-2000);
      opts.onStderr(s);
    });
    this.child.stdout.on('data', (d: Buffer) => {
      this.buffer += d.toString();
      // A reply is at most the output cap plus JSON overhead; anything longer is not ours.
      if (this.buffer.length > opts.maxOutputBytes * 8 + 65_536) {
        opts.onStderr('tool host wrote an oversized line; killing it');
        this.kill();
        return;
      }
      for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        this.onLine(line, () => {
          clearTimeout(readyTimer);
          markReady();
        });
      }
    });
  }

  /** Reads the sandbox's pid from bwrap's info fd, attaches the network, then lets bwrap go on. */
  private connectNetwork(attach: (pid: number) => Promise<() => void>, fail: (err: Error) => void): void {
    const info = this.child.stdio[4] as Readable;
    const go = (this.child.stdio as unknown as Writable[])[5]!;
    go.on('error', () => {});
    let text = '';
    const onInfo = (d: Buffer) => {
      text += d.toString();
      const pid = Number(/"child-pid":\s*(\d+)/.exec(text)?.[1]);
      if (!pid) return;
      info.off('data', onInfo);
      attach(pid).then(
        (teardown) => {
          void this.exited.then(teardown);
          if (!this.alive) return;
          go.end('1');
        },
        (err: unknown) => {
          fail(new Error(`the sandbox's network could not be set up: ${err instanceof Error ? err.message : String(err)}`));
          this.kill();
        },
      );
    };
    info.on('data', onInfo);
    info.on('error', () => {});
  }

  get alive(): boolean {
    return !this.exitedFlag;
  }

  private onLine(line: string, ready: () => void): void {
    let msg: ToolHostMessage;
    try {
      msg = JSON.parse(line) as ToolHostMessage;
    } catch {
      return;
    }
    if ('ready' in msg) return ready();
    if (typeof msg?.id !== 'number') return;
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    p.resolve(capOutcome(msg, this.opts.maxOutputBytes));
  }

  private send(req: ToolHostRequest): void {
    if (this.alive) this.child.stdin.write(JSON.stringify(req) + '\n');
  }

  /** Runs one tool; never rejects: failures, cancellation and the deadline become error outcomes. */
  call(name: string, input: Record<string, unknown>, toolUseId: string, signal: AbortSignal): Promise<ToolOutcome> {
    if (!this.alive) return Promise.resolve(text('The sandbox is not running.'));
    const id = this.nextId++;
    return new Promise<ToolOutcome>((resolve) => {
      const cancel = (outcome: ToolOutcome) => {
        if (!this.pending.has(id)) return;
        this.send({ id, cancel: true });
        // The caller gets its answer now; the host's late reply (if any) goes nowhere. If it does
        // not reply within the grace period it is stuck, and the whole sandbox is killed.
        this.pending.set(id, { resolve: () => clearTimeout(graceTimer) });
        const graceTimer = setTimeout(() => {
          if (this.pending.has(id)) this.kill();
        }, CANCEL_GRACE_MS);
        graceTimer.unref();
        done(outcome);
      };
      const deadline = setTimeout(
        () => cancel(text(`The tool call exceeded this server's limit of ${this.opts.maxCallMs} ms and was stopped.`)),
        this.opts.maxCallMs + 2_000, // bash's own (capped) timeout should fire first, with its message
      );
      const onAbort = () => cancel(text('The tool call was cancelled.'));
      const done = (outcome: ToolOutcome) => {
        clearTimeout(deadline);
        signal.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      this.pending.set(id, { resolve: done });
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.send({ id, name, input, toolUseId });
    });
  }

  /** Asks the host to exit (closing its shells), and kills the sandbox if it does not in time. */
  async stop(graceMs = 2_000): Promise<void> {
    if (!this.alive) return;
    this.child.stdin.end();
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    // bwrap runs the host as pid 1's child in a private pid namespace: killing bwrap (with
    // --die-with-parent on the host) takes every process of the sandbox with it.
    if (this.alive) this.child.kill('SIGKILL');
  }
}

// One running sandbox: the bwrap child whose main process is the agent's persistent bash, and the
// `bash` tool's conversation with it (also the unsandboxed provider's shell, a plain bash the spawner
// starts: ../direct). Commands are framed as the SDK's own BashSession frames them
// (a per-call nonce sentinel carrying the exit status), so output and errors read the same as the
// SDK's `bash` tool. Nothing else runs in the sandbox: the file tools are served by the server
// (../confined), and the loopback relays are accepted by the server (sandbox-relays.ts).
import { randomUUID } from 'node:crypto';
import type { ToolOutcome } from '../types.js';
import { capOutcome } from './output-cap.js';
import { serveRelays, type RelayTargets } from './sandbox-relays.js';
import type { SandboxSpawner, SpawnedSandbox } from './sandbox-spawner.js';
import type { SpawnRequest } from './spawner-protocol.js';

/** Time the sandbox gets to start (bwrap, slirp4netns and the relay helper on a slow, busy machine). */
const READY_TIMEOUT_MS = 60_000;
/** What the SDK's BashSession keeps of a command's output: the tail, with a marker. */
const OUTPUT_TAIL_CHARS = 100 * 1024;
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;

export interface SandboxShellOptions {
  spawner: SandboxSpawner;
  /** What the spawner starts: the launcher and bwrap, bwrap's options, the network, the relay ports. */
  request: Omit<SpawnRequest, 'op' | 'id'>;
  maxOutputBytes: number;
  onStderr: (text: string) => void;
  /** Where the server sends the connections of each loopback port the relay helper opened. */
  relays: RelayTargets;
}

/** A shell-quoted single line the shell's printf turns back into `text` (keeps it out of what we write). */
const split = (text: string) => `${text.slice(0, 8)}''${text.slice(8)}`;

/** The SDK `bash` tool's default for a call that names no `timeout_ms`. */
const DEFAULT_BASH_TIMEOUT_MS = 120_000;

/**
 * A `bash` call's input as the SDK's tool reads it (both local providers): whether to restart first, and the
 * command with its timeout, or, without a command, the answer to give (a restart alone, or the missing command).
 */
export function bashCall(input: Record<string, unknown>): { restart: boolean } & ({ command: string; timeoutMs: number } | { answer: ToolOutcome }) {
  const restart = input.restart === true;
  const command = typeof input.command === 'string' ? input.command : '';
  if (!command) {
    const answer = restart ? 'bash session restarted' : 'bash: command is required';
    return { restart, answer: { isError: !restart, content: [{ type: 'text', text: answer }] } };
  }
  const timeoutMs = typeof input.timeout_ms === 'number' && input.timeout_ms > 0 ? input.timeout_ms : DEFAULT_BASH_TIMEOUT_MS;
  return { restart, command, timeoutMs };
}

export class BashTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`bash command timed out after ${timeoutMs}ms`);
  }
}

export class SandboxShell {
  private proc: SpawnedSandbox | undefined;
  private output = '';
  private truncated = false;
  private waiting: { sentinel: string; resolve: () => void } | undefined;
  private stderrTail = '';
  private exitedFlag = false;
  private killed = false;
  private markExited!: () => void;
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;

  constructor(private readonly opts: SandboxShellOptions) {
    this.exited = new Promise<void>((resolve) => (this.markExited = resolve));
    this.ready = this.start();
    this.ready.catch(() => {});
  }

  private onExit(): void {
    this.exitedFlag = true;
    this.wake();
    this.markExited();
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
      throw new Error(`the sandbox exited: ${this.stderrTail.trim().slice(-500) || 'before its shell answered'}`);
    });
    try {
      const steps = (async () => {
        let proc: SpawnedSandbox;
        try {
          proc = await this.opts.spawner.spawn(this.opts.request);
        } catch (err) {
          this.onExit();
          throw err;
        }
        this.proc = proc;
        if (this.killed) proc.kill();
        void proc.exited.then(() => this.onExit());
        proc.stdin.on('error', () => {}); // a dead shell is reported through its exit
        proc.stdout.setEncoding('utf8').on('data', (d: string) => this.append(d));
        proc.stdout.on('error', () => {});
        proc.stderr.setEncoding('utf8').on('data', (d: string) => {
          this.stderrTail = (this.stderrTail + d).slice(-2000);
          this.opts.onStderr(d);
          this.append(d);
        });
        proc.stderr.on('error', () => {});
        await proc.started;
        serveRelays(proc.relays, this.opts.relays);
        // The shell is up when it answers: the same framing as any command, with nothing to run.
        await this.frame(':', READY_TIMEOUT_MS, undefined);
      })();
      await Promise.race([steps, timeout, exited]);
    } finally {
      clearTimeout(timer);
    }
  }

  get alive(): boolean {
    return !this.exitedFlag;
  }

  /** Alive and not being killed: a shell a new command may be given. */
  get usable(): boolean {
    return this.alive && !this.killed;
  }

  private append(d: string): void {
    this.output += d;
    if (this.output.length > OUTPUT_TAIL_CHARS) {
      this.output = this.output.slice(this.output.length - OUTPUT_TAIL_CHARS);
      this.truncated = true;
    }
    // Only the new text (and a sentinel split across chunks) can hold it: no rescan of the whole buffer.
    const sentinel = this.waiting?.sentinel;
    if (sentinel && this.output.includes(sentinel, Math.max(0, this.output.length - d.length - sentinel.length))) this.wake();
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
    const stdin = this.proc?.stdin;
    if (!this.alive || !stdin) throw new Error('bash session terminated');
    signal?.throwIfAborted();
    this.output = '';
    this.truncated = false;
    // Per-call nonce, so a command printing a fixed marker cannot fake the exit status.
    const sentinel = `__ANT_CMD_${randomUUID()}_DONE__`;
    // </dev/null: a command reading stdin gets EOF instead of eating the next command.
    stdin.write(`{ ${command}\n} </dev/null 2>&1; printf '\\n${split(sentinel)}%d\\n' $?\n`);
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
    this.proc?.stdin.end();
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  kill(): void {
    // bwrap runs the shell as pid 1 of a private pid namespace: killing bwrap (--die-with-parent)
    // kills the shell, and with it every process of the namespace.
    this.killed = true;
    if (this.alive) this.proc?.kill();
  }
}

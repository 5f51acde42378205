// The unsandboxed provider's `bash` tool: one persistent bash per session in its workspace, as
// the SDK's tool keeps it, but started by the sandbox spawner, not by the server. A fork copies the
// forking process's page tables, and the server's grow with its sessions: at a thousand sessions the
// SDK's own spawn from the server was a fifth of its CPU, each one stalling every stream meanwhile.
// The conversation with the shell is the bubblewrap sandbox's (SandboxShell: the SDK's framing). Like a
// bubblewrap sandbox, the shell stops after AGENTD_SANDBOX_IDLE_MS without calls (and the next call starts
// a fresh one): a thousand idle sessions do not keep a thousand shells.
import type { Clock } from '../../domain/clock.js';
import { bashCall, SandboxShell } from '../bubblewrap/sandbox-shell.js';
import type { SandboxSpawner } from '../bubblewrap/sandbox-spawner.js';
import type { ToolOutcome } from '../types.js';
import { SHELL_ARGV0, SHELL_BINARY } from '../shell-binary.js';

/** What the SDK's `bash` tool gives its shell: the server's environment without ANTHROPIC_* (scrubbedShellEnv). */
function shellEnvironment(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.toUpperCase().startsWith('ANTHROPIC_')) out[key] = value;
  }
  // Shell-control settings the sentinel framing relies on (as the SDK's BashSession sets them).
  return { ...out, PS1: '', PS2: '', TERM: 'dumb' };
}

export class DirectBash {
  private shell: SandboxShell | undefined;
  /** Calls run one at a time (they share the shell's stdin), in arrival order. */
  private queue: Promise<unknown> = Promise.resolve();
  private pending = 0;
  /** Aborts the pending idle stop. */
  private idle: AbortController | undefined;

  constructor(
    private readonly spawner: SandboxSpawner,
    /** The shell's working directory (the session's workspace on the host). */
    private readonly cwd: string,
    private readonly idleStop: { clock: Clock; ms: number },
  ) {}

  run(input: Record<string, unknown>, signal: AbortSignal): Promise<ToolOutcome> {
    this.idle?.abort();
    this.pending++;
    const call = this.queue.then(() => this.call(input, signal));
    this.queue = call.catch(() => {});
    void call.finally(() => {
      if (--this.pending === 0) this.armIdle();
    }).catch(() => {});
    return call;
  }

  private armIdle(): void {
    if (!this.shell) return;
    const idle = (this.idle = new AbortController());
    void this.idleStop.clock.sleep(this.idleStop.ms, idle.signal).then(() => {
      if (!idle.signal.aborted && this.pending === 0) void this.stop();
    });
  }

  /** One call, as the SDK's tool answers it: `restart` first, then the command in the (possibly new) shell. */
  private async call(input: Record<string, unknown>, signal: AbortSignal): Promise<ToolOutcome> {
    const call = bashCall(input);
    if (call.restart) await this.stop();
    if ('answer' in call) return call.answer;
    // A shell killed by the previous call (timeout, interrupt) may not have exited yet: not reused.
    if (!this.shell?.usable) this.shell = this.start();
    const shell = this.shell;
    try {
      await shell.ready;
    } catch (err) {
      this.shell = undefined;
      return { isError: true, content: [{ type: 'text', text: `bash: the shell could not start: ${err instanceof Error ? err.message : String(err)}` }] };
    }
    // A call that did not finish kills the shell (its state is unknown); the next call starts another.
    return shell.exec(call.command, call.timeoutMs, signal);
  }

  private start(): SandboxShell {
    return new SandboxShell({
      spawner: this.spawner,
      request: { argv: [SHELL_BINARY, '--noprofile', '--norc'], bwrapOptions: [], relayPorts: [], plain: { cwd: this.cwd, env: shellEnvironment(), argv0: SHELL_ARGV0 } },
      // No cap beyond the output's tail (as the SDK's tool): the per-call limits are the bubblewrap sandbox's.
      maxOutputBytes: Number.POSITIVE_INFINITY,
      // Its stderr is part of the tool's answer already, and never logged: the shell holds the server's
      // environment, and whatever the agent writes there would land in the server's log.
      onStderr: () => {},
      relays: [],
    });
  }

  /** Ends the shell (and what it left running). */
  async stop(): Promise<void> {
    this.idle?.abort();
    const shell = this.shell;
    this.shell = undefined;
    if (!shell) return;
    shell.kill();
    await shell.exited;
  }
}

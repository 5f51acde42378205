// The wire between the server and its sandbox spawner (spawner-main.ts), over Node's IPC channel.
// Types only: the spawner imports nothing of the server at run time but these shapes.
import type { SlirpTools } from '../network/slirp-network.js';

/** Start one sandbox: `argv` (the launcher, then bwrap), bwrap's options for fd 3, what to attach. */
export interface SpawnRequest {
  op: 'spawn';
  id: number;
  argv: string[];
  bwrapOptions: string[];
  /** The compiled seccomp program, handed to bwrap at fd FIRST_EXTRA_FD. */
  seccompFile?: string | undefined;
  /** `unrestricted`: connect the sandbox's own network namespace (bwrap waits on its block fd meanwhile). */
  slirp?: { tools: SlirpTools; routes: readonly string[] } | undefined;
  /** Loopback ports whose listening sockets the sandbox's relay helper hands over (fd RELAY_CHANNEL_FD). */
  relayPorts: readonly number[];
  /**
   * A plain process instead of bwrap (the unsandboxed provider's shell, AGENTD_SANDBOX=none): started in
   * `cwd` with `env`, in a process group of its own (killed as a group); `bwrapOptions` are not written.
   * `argv0`: what the process sees as its name, if not `argv[0]`.
   */
  plain?: { cwd: string; env: Record<string, string>; argv0?: string } | undefined;
}

export type SpawnerRequest = SpawnRequest | { op: 'kill'; id: number };

/** Spawner → server, about sandbox `id`. `stdio` and `relay` messages carry the socket as their handle. */
export type SpawnerMessage =
  | { id: number; stdio: 'stdin' | 'stdout' | 'stderr' }
  | { id: number; relay: number }
  /** Everything is in place (network attached, every relay handed over): the shell runs. */
  | { id: number; started: true; pid: number }
  /** The sandbox could not be set up (it is killed; `exited` follows). */
  | { id: number; failed: string }
  | { id: number; exited: { code: number | null; signal: string | null } };

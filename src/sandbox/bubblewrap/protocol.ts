// The wire between the server and a session's tool host (JSON lines over the host's stdin/stdout).
// Types only: the tool host imports nothing of the server at run time.
import type { ToolOutcome } from '../types.js';

/** Passed to the tool host as its single argument (JSON); nothing in it is secret. */
export interface ToolHostConfig {
  /** The agent's working directory inside the sandbox (/workspace). */
  workdir: string;
  /** Other directories the file tools may touch (session outputs, resource mounts). */
  allowedRoots: string[];
  /** Longest a bash command may run, whatever `timeout_ms` it asks for. */
  maxCallMs: number;
  /** Under `limited` networking: serve this loopback port, relaying to the egress proxy's socket. */
  proxy?: { port: number; socketPath: string };
  /** Under `unrestricted` networking: serve each port on loopback, relaying to the host's port through its socket. */
  hostPorts?: Array<{ port: number; socketPath: string }>;
}

/** Server → host: run a tool, or cancel the call with this id. */
export type ToolHostRequest =
  | { id: number; name: string; input: Record<string, unknown>; toolUseId: string }
  | { id: number; cancel: true };

/** Host → server: the first line announces readiness; then one reply per request id. */
export type ToolHostMessage = { ready: true } | ({ id: number } & ToolOutcome);

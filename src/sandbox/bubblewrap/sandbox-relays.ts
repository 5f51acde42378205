// The sandbox's loopback doors (the egress proxy at 127.0.0.1:3128, the operator's host ports),
// served by the server. A one-shot helper (relay-listen.ts) opens each listening socket inside the
// sandbox's network namespace and hands it over Node's IPC channel; the server accepts on it and
// pipes each connection to the host-side Unix socket. So no relay process lives in the sandbox.
import net from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { pipeBoth } from '../network/host-ports.js';

/** Each sandbox loopback port, and the host Unix socket its connections go to. */
export type RelayTargets = ReadonlyArray<{ port: number; socketPath: string }>;

/** What the helper sends: one message per listening socket (with its handle), then `done`. */
export type RelayMessage = { port: number } | { done: true };

/** Resolves once every port's listening socket arrived; the result closes them all. */
export function acceptRelays(child: ChildProcess, targets: RelayTargets): Promise<() => void> {
  const servers: net.Server[] = [];
  const close = () => {
    for (const s of servers) s.close();
    servers.length = 0;
  };
  return new Promise((resolve, reject) => {
    const onMessage = (msg: RelayMessage, handle: unknown) => {
      if ('done' in msg) {
        // The channel ends from the sandbox's side (the helper exits, the shell closes the fd):
        // disconnecting here instead would keep Node from ever emitting the child's 'close'.
        child.off('message', onMessage);
        if (servers.length === targets.length) return resolve(close);
        close();
        return reject(new Error(`the sandbox's relay helper opened ${servers.length} of ${targets.length} ports`));
      }
      const target = targets.find((t) => t.port === msg.port);
      if (!target || !(handle instanceof net.Server)) return;
      servers.push(handle);
      // Connections come from inside the sandbox: each goes to the same socket the sandbox could reach.
      handle.on('connection', (client) => pipeBoth(client, net.connect(target.socketPath)));
      handle.on('error', () => {});
    };
    child.on('message', onMessage);
  });
}

// The sandbox's loopback doors (the egress proxy at 127.0.0.1:3128, the operator's host ports),
// served by the server. A one-shot helper (relay-listen.ts) opens each listening socket inside the
// sandbox's network namespace and hands it over Node's IPC channel (to the spawner, which passes it
// on); the server accepts on it and pipes each connection to the host-side Unix socket. So no relay
// process lives in the sandbox.
import net from 'node:net';
import { pipeBoth } from '../network/host-ports.js';

/** Each sandbox loopback port, and the host Unix socket its connections go to. */
export type RelayTargets = ReadonlyArray<{ port: number; socketPath: string }>;

/** Serves each port's listening socket (handed over by the sandbox's relay helper, via the spawner). */
export function serveRelays(servers: ReadonlyMap<number, net.Server>, targets: RelayTargets): void {
  for (const target of targets) {
    const server = servers.get(target.port);
    if (!server) continue;
    // Connections come from inside the sandbox: each goes to the same socket the sandbox could reach.
    server.on('connection', (client) => pipeBoth(client, net.connect(target.socketPath)));
    server.on('error', () => {});
  }
}

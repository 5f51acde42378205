// The operator's door to local development services (AGENTD_SANDBOX_HOST_PORTS): for each listed
// port, a Unix socket that connects to that port of the host's loopback. The directory of these
// sockets is bind-mounted into `unrestricted` sandboxes only, where the tool host serves each port
// on the sandbox's own 127.0.0.1 and relays to its socket. Nothing else of the host is reachable.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../../logger.js';

/** Where the sockets appear inside a sandbox; `<port>.sock` each. */
export const SANDBOX_HOST_PORTS_DIR = '/run/agentd/host-ports';

export interface HostPortRelays {
  /** The host directory holding one socket per port (bind-mounted read-only), or undefined when no port is listed. */
  readonly dir: string | undefined;
  readonly ports: readonly number[];
  close(): Promise<void>;
}

export function pipeBoth(a: net.Socket, b: net.Socket): void {
  const end = () => {
    a.destroy();
    b.destroy();
  };
  a.pipe(b).pipe(a);
  a.on('error', end).on('close', end);
  b.on('error', end).on('close', end);
}

export async function openHostPortRelays(runtimeDir: string, ports: readonly number[], logger: Logger): Promise<HostPortRelays> {
  if (ports.length === 0) return { dir: undefined, ports, close: async () => {} };
  const dir = path.join(runtimeDir, 'host-ports');
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  const servers = await Promise.all(
    ports.map(async (port) => {
      const socketPath = path.join(dir, `${port}.sock`);
      fs.rmSync(socketPath, { force: true });
      const server = net.createServer((client) => pipeBoth(client, net.connect(port, '127.0.0.1')));
      await new Promise<void>((resolve, reject) => server.once('error', reject).listen(socketPath, resolve));
      // The sandbox may run as another (unprivileged) user: it must be able to connect.
      fs.chmodSync(socketPath, 0o666);
      return server;
    }),
  );
  logger.info({ ports }, 'unrestricted sandboxes reach these ports of the host loopback (AGENTD_SANDBOX_HOST_PORTS)');
  return {
    dir,
    ports,
    close: async () => {
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    },
  };
}

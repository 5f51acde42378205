// Runs once INSIDE a new sandbox, before its shell, when the sandbox has loopback doors (the egress
// proxy, host ports): listens on each port given as an argument, on the sandbox's own 127.0.0.1,
// hands every listening socket to the server over Node's IPC channel, and exits. The server
// accepts on them from then on (sandbox-relays.ts). Imports nothing but Node.
import net from 'node:net';

const ports = process.argv.slice(2).map(Number);

function listen(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject).listen(port, '127.0.0.1', () => resolve(server));
  });
}

function send(message: object, handle?: net.Server): Promise<void> {
  return new Promise((resolve, reject) => process.send!(message, handle, {}, (err) => (err ? reject(err) : resolve())));
}

try {
  if (!process.send) throw new Error('no IPC channel');
  for (const port of ports) await send({ port }, await listen(port));
  await send({ done: true });
  process.exit(0);
} catch (err) {
  console.error(`relay helper: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

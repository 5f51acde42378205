// `agentd serve`: runs the server until SIGTERM/SIGINT, then shuts down gracefully.
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/config.js';
import { startServer } from '../src/services/server.js';
import { SERVE_USAGE } from './serve-usage.js';
import { serveBanner } from './serve-banner.js';
import { agentdVersion } from './version.js';
import { stopWhenNpmParentExits } from './stop-with-npm.js';

export async function serve(argv: string[]): Promise<number | undefined> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        'database-url': { type: 'string' },
        role: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`agentd serve: ${(err as Error).message}\n\nusage: agentd serve [options]\n${SERVE_USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`usage: agentd serve [options]\n${SERVE_USAGE}`);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`agentd ${agentdVersion()}\n`);
    return 0;
  }
  const config = loadConfig({
    host: values.host,
    port: values.port,
    dataDir: values['data-dir'],
    databaseUrl: values['database-url'],
    role: values.role,
  });
  // Listen for the stop signals before anything is printed: a supervisor (or a test) that sends
  // SIGTERM as soon as it sees the banner must get a graceful stop, never the default kill.
  let stopping = false;
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let signalDuringStart: string | undefined;
  const stop = (signal: string) => {
    // A signal during start-up is acted on once the server is up (it has nothing to close before).
    if (!server) {
      signalDuringStart = signal;
      return;
    }
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err) => {
        server!.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  stopWhenNpmParentExits(stop);
  server = await startServer(config, { requireSandbox: true });
  process.stdout.write(serveBanner(server.summary, agentdVersion()));
  if (signalDuringStart) stop(signalDuringStart);
  return undefined;
}

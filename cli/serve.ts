// `agentd serve`: runs the server until SIGTERM/SIGINT, then shuts down gracefully.
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/config.js';
import { startServer } from '../src/services/server.js';

export async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      'database-url': { type: 'string' },
    },
    strict: true,
  });
  const config = loadConfig({
    host: values.host,
    port: values.port,
    dataDir: values['data-dir'],
    databaseUrl: values['database-url'],
  });
  const server = await startServer(config);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.app.log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err) => {
        server.app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

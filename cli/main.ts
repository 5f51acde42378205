#!/usr/bin/env node
// The agentd command: `agentd serve` runs the server; other subcommands talk to one.
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/config.js';
import { startServer } from '../src/services/server.js';

const USAGE = `usage: agentd <command> [options]

commands:
  serve     run the server
            --host <addr>          listen address (AGENTD_HOST, default 127.0.0.1)
            --port <n>             listen port (AGENTD_PORT, default 4600)
            --data-dir <dir>       data directory (AGENTD_DATA_DIR, default ./.agentd)
            --database-url <url>   postgres:// URL selects PostgreSQL (DATABASE_URL);
                                   otherwise SQLite in the data dir
`;

async function serve(argv: string[]): Promise<void> {
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

async function main(): Promise<void> {
  const [command, ...rest] = process.argv.slice(2);
  switch (command) {
    case 'serve':
      return serve(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`agentd: unknown command "${command}"\n\n${USAGE}`);
      process.exitCode = 2;
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`agentd: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

// PostgreSQL on the same host, reached through its Unix socket (`?host=<socket directory>` in DATABASE_URL, as
// docs/scaling.md recommends for it): the store's pool and the event bus's listening connection both go through the
// socket, and a turn streams as over TCP.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useFakeAnthropic } from '../helpers/use.js';
import { createPostgresDatabase } from '../helpers/databases.js';
import { startReplica, stopReplicas, type Replica } from '../helpers/replicas.js';
import { StreamReader } from '../helpers/stream.js';
import { isTerminal, sendText } from '../helpers/turns.js';
import { LISTENER_NAME } from '../../src/store/postgres/pg-listener.js';

const KEY = 'sk-socket-test';

/** The server's first socket directory (asked over TCP), if its socket is there to be reached from this process. */
async function socketDirectory(adminUrl: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ dirs: string; port: string }>(
      "select current_setting('unix_socket_directories') as dirs, current_setting('port') as port",
    );
    const dir = rows[0]!.dirs.split(',')[0]!.trim();
    return dir && fs.existsSync(path.join(dir, `.s.PGSQL.${rows[0]!.port}`)) ? dir : undefined;
  } finally {
    await client.end();
  }
}

const adminUrl = process.env.AGENTD_TEST_DATABASE_URL;
const dir = adminUrl ? await socketDirectory(adminUrl) : undefined;

describe.skipIf(!dir)('PostgreSQL through its Unix socket (postgres)', () => {
  const fake = useFakeAnthropic();
  let replica: Replica | undefined;
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let socketUrl: string;

  beforeAll(async () => {
    database = await createPostgresDatabase();
    const url = new URL(database.url);
    url.searchParams.set('host', dir!);
    socketUrl = url.toString();
    replica = await startReplica('socket', { databaseUrl: socketUrl, env: { AGENTD_API_KEY: KEY, ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: 'sk-model' } });
  }, 60_000);
  afterAll(async () => {
    if (replica) await stopReplicas([replica]);
    await database?.drop();
  });

  it('runs a turn with every connection of the server on the socket, the listening one included', async () => {
    const client = replica!.client;
    const agent = await client.beta.agents.create({ name: 'socket', model: 'claude-sonnet-4-6' });
    const env = await client.beta.environments.create({ name: `socket-env-${Date.now()}` });
    const session = await client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    const stream = await client.beta.sessions.events.stream(session.id);
    const reader = new StreamReader(stream);
    try {
      fake.enqueue({ content: [{ type: 'text', text: 'over the socket' }] });
      await sendText(client, session.id, 'hello');
      const events = await reader.until(isTerminal, 30_000);
      expect(events.map((e) => e.type)).toContain('agent.message');
    } finally {
      stream.controller.abort();
    }

    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ application_name: string; client_addr: string | null }>(
        'select application_name, client_addr from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [new URL(database.url).pathname.slice(1)],
      );
      expect(rows.length).toBeGreaterThan(1);
      expect(rows.map((r) => r.application_name)).toContain(LISTENER_NAME);
      // A socket connection has no client address; a TCP one would show 127.0.0.1.
      expect(rows.filter((r) => r.client_addr !== null)).toEqual([]);
    } finally {
      await admin.end();
    }
  });
});

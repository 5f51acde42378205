// Which database dialects the suite runs against, and fresh PostgreSQL databases for them.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type Dialect = 'sqlite' | 'postgres';

/** SQLite always; PostgreSQL too when AGENTD_TEST_DATABASE_URL is set (CI sets it). */
export function dialects(): Dialect[] {
  return process.env.AGENTD_TEST_DATABASE_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

/**
 * Creates an empty database next to AGENTD_TEST_DATABASE_URL's and returns its URL and a dropper.
 * `icuLocale` gives it a linguistic default collation (e.g. 'en-US'), as many real clusters have.
 */
export async function createPostgresDatabase(
  opts: { icuLocale?: string } = {},
): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = process.env.AGENTD_TEST_DATABASE_URL;
  if (!base) throw new Error('AGENTD_TEST_DATABASE_URL is not set');
  const name = `agentd_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    const locale = opts.icuLocale
      ? ` TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE ${admin.escapeLiteral(opts.icuLocale)}`
      : '';
    await admin.query(`CREATE DATABASE ${name}${locale}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * A pool on `url` that tolerates its database being dropped. `pool.end()` resolves before its clients'
 * sockets close, so `drop()`'s `WITH (FORCE)` can reach a backend that has not yet read the goodbye: its
 * FATAL then arrives as an idle client's error, which a pool without an 'error' listener throws uncaught.
 */
export function testPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', () => {});
  return pool;
}

// Migration 002: ids compare byte-wise on PostgreSQL, whatever the database's default collation.
import { PostgresAdapter, sql, type Kysely } from 'kysely';

/** Tables whose id is a keyset-pagination key: its time prefix sorts by creation only in byte order. */
const KEYSET_TABLES = ['agents', 'environments', 'sessions', 'files'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  // SQLite compares text as BINARY (byte order) unless told otherwise, so only PostgreSQL needs
  // this: a linguistic collation such as en_US.UTF-8 sorts 'a' before 'Z' and breaks "newest first".
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  for (const table of KEYSET_TABLES) {
    await sql`ALTER TABLE ${sql.table(table)} ALTER COLUMN id TYPE text COLLATE "C"`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  for (const table of KEYSET_TABLES) {
    await sql`ALTER TABLE ${sql.table(table)} ALTER COLUMN id TYPE text COLLATE "default"`.execute(db);
  }
}

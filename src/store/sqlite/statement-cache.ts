// Kysely's SQLite driver prepares every query it runs; preparing (parsing and planning the SQL) costs about as
// much as running a small statement. This hands it a database whose `prepare` reuses statements by SQL text.
// Safe because the driver runs a statement to completion (`all`/`run`) before it prepares the next one; a
// statement still being iterated is never handed out again.
import type { SqliteDatabase, SqliteStatement } from 'kysely';

type Statement = SqliteStatement & { readonly busy?: boolean };

/** Statements kept, most recently used last; texts that vary (IN lists, multi-row inserts) age out. */
const DEFAULT_CAPACITY = 500;

export function withStatementCache(
  db: { prepare(sql: string): Statement; close(): void },
  capacity = DEFAULT_CAPACITY,
): SqliteDatabase {
  const cache = new Map<string, Statement>();
  return {
    close: () => {
      cache.clear();
      db.close();
    },
    prepare(sql: string): Statement {
      const hit = cache.get(sql);
      if (hit && !hit.busy) {
        cache.delete(sql);
        cache.set(sql, hit);
        return hit;
      }
      const stmt = db.prepare(sql);
      cache.delete(sql);
      cache.set(sql, stmt);
      if (cache.size > capacity) cache.delete(cache.keys().next().value!);
      return stmt;
    },
  };
}

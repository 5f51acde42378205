// Server-side prepared statements for the queries agentd repeats. node-postgres sends every
// parameterised query unnamed, so PostgreSQL parses and plans it again each time; a named one is
// parsed once per connection and then only bound and executed (measured: about 40 % less database
// CPU per turn, docs/benchmarks.md). Kysely's SQL text is fixed per query shape, so a text seen
// twice gets a name; one-off texts (long IN lists) stay unnamed, and the number of names is capped,
// which bounds what each database connection keeps.
import type pg from 'pg';

/** Names per process (each connection prepares those it uses): bounds the server's memory per connection. */
const MAX_NAMED = 256;
/** Texts remembered as seen once, waiting for a second use (forgotten all at once when full). */
const MAX_SEEN = 4096;

/** PostgreSQL refuses a prepared statement whose result columns changed (ALTER TABLE under `select *`). */
function isStalePlan(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '0A000' && typeof e.message === 'string' && e.message.includes('cached plan must not change result type');
}

export class StatementNames {
  private readonly names = new Map<string, string>();
  private readonly seen = new Set<string>();
  private next = 0;

  /** The name `text` runs under, from its second use on; undefined: run it unnamed. */
  nameFor(text: string): string | undefined {
    const name = this.names.get(text);
    if (name !== undefined || this.names.size >= MAX_NAMED) return name;
    if (!this.seen.has(text)) {
      if (this.seen.size >= MAX_SEEN) this.seen.clear();
      this.seen.add(text);
      return undefined;
    }
    this.seen.delete(text);
    // Never reused within the process: a connection that prepared an older name keeps it harmlessly.
    const fresh = `agentd_${this.next++}`;
    this.names.set(text, fresh);
    return fresh;
  }

  /** A migration changed the columns under the text's statement: the next use prepares it afresh. */
  forget(text: string): void {
    this.names.delete(text);
  }

  get size(): number {
    return this.names.size;
  }
}

type Query = (text: unknown, values?: unknown, callback?: unknown) => unknown;

/**
 * Makes every client of `pool` run repeated parameterised queries as named statements. A statement
 * whose table another replica altered meanwhile (a rolling upgrade's migration) fails once with a
 * stale plan: it is renamed, and run again unnamed when outside a transaction (inside one, the
 * transaction has already failed and the error stands).
 */
export function nameRepeatedStatements(pool: pg.Pool, names = new StatementNames()): StatementNames {
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as Query;
    let inTransaction = false;
    const named: Query = (text, values, callback) => {
      if (typeof text !== 'string' || !Array.isArray(values) || values.length === 0) {
        if (typeof text === 'string') inTransaction = transactionAfter(text, inTransaction);
        return query(text, values, callback);
      }
      const name = names.nameFor(text);
      if (name === undefined) return query(text, values, callback);
      const result = (query({ name, text, values }) as Promise<unknown>).catch((err: unknown) => {
        if (!isStalePlan(err)) throw err;
        names.forget(text);
        if (inTransaction) throw err;
        return query(text, values);
      });
      if (typeof callback !== 'function') return result;
      // pg.Pool#query passes a callback.
      result.then(
        (res) => (callback as (err: unknown, res?: unknown) => void)(undefined, res),
        (err: unknown) => (callback as (err: unknown) => void)(err),
      );
      return undefined;
    };
    (client as unknown as { query: Query }).query = named;
  });
  return names;
}

/** Whether a transaction is open after `text` (Kysely begins, commits and rolls back with these texts). */
function transactionAfter(text: string, open: boolean): boolean {
  const t = text.trimStart().toLowerCase();
  if (t.startsWith('begin') || t.startsWith('start transaction')) return true;
  if (t.startsWith('commit') || (t.startsWith('rollback') && !t.startsWith('rollback to'))) return false;
  return open;
}

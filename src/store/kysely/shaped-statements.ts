// Statements whose text depends only on their shape (the table, the columns, how many rows), built with
// Kysely once per shape and then run from that text with fresh parameters. The usage ledger's writes are
// such statements: building a many-row upsert, or PostgreSQL's WITH of five statements, cost ~0.15 ms of
// CPU per model call (with its compilation, ~4 % of the server's time per tool round trip on SQLite).
// The parameters a caller gives must be the rows' values in order; at a shape's first build they are
// checked against Kysely's own, and a shape whose parameters differ is never cached.
import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';

/** Shapes remembered per dialect (a bound: a caller with unusual row counts does not grow it further). */
const MAX_SHAPES = 256;

/** Per dialect adapter (a transaction shares its database's): shape → SQL text. */
const texts = new WeakMap<object, Map<string, string>>();

const sameValues = (a: readonly unknown[], b: readonly unknown[]) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

/**
 * The columns of `rows` (those of the first: the callers' rows all have the same) and the shape key part they make.
 * Rows whose columns differ get a key naming each row's; Kysely's statement for them then has other parameters than
 * `rowValues` gives, so it is never cached (runShaped's check) and each such call is built afresh.
 */
export function rowsShape(rows: readonly object[]): { columns: string[]; key: string } {
  const columns = rows.length > 0 ? Object.keys(rows[0]!) : [];
  const uniform = rows.every((row) => {
    const keys = Object.keys(row);
    return keys.length === columns.length && keys.every((k, i) => k === columns[i]);
  });
  const layout = uniform ? columns.join(',') : rows.map((row) => Object.keys(row).join(',')).join(';');
  return { columns, key: `${rows.length}×(${layout})` };
}

/** The rows' values in statement order: row by row, column by column. */
export function rowValues(rows: readonly object[], columns: readonly string[]): unknown[] {
  const out: unknown[] = [];
  for (const row of rows) for (const c of columns) out.push((row as Record<string, unknown>)[c]);
  return out;
}

/** Runs the statement of `shape` with `values`, building it (`build`) only the first time. */
export function runShaped<D, R>(db: Kysely<D>, shape: string, values: unknown[], build: () => Compilable<R>): Promise<QueryResult<R>> {
  // Kysely leaves an undefined value's column out (or writes DEFAULT): that statement is not the shape's.
  if (values.includes(undefined)) return db.executeQuery(build().compile());
  const adapter = db.getExecutor().adapter;
  let byShape = texts.get(adapter);
  if (!byShape) texts.set(adapter, (byShape = new Map()));
  const text = byShape.get(shape);
  if (text !== undefined) return db.executeQuery(CompiledQuery.raw(text, values) as CompiledQuery<R>);
  const compiled = build().compile();
  if (byShape.size < MAX_SHAPES && sameValues(compiled.parameters, values)) byShape.set(shape, compiled.sql);
  return db.executeQuery(compiled);
}

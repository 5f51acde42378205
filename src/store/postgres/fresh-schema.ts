// A new PostgreSQL database's schema in one round trip. Kysely's migrator sends each of its ~150
// statements on its own (~0.7 ms of round trip and query building each, about as much again as
// PostgreSQL's own DDL time). Here the same migrator runs against a driver that only records the SQL it
// is given, as it would run on an empty database, and the recording goes to PostgreSQL as one
// multi-statement query: one implicit transaction, under the migrator's own advisory lock (taken for
// the transaction, so a failure can never leave it held). Anything the recording cannot stand for
// (a migration that reads data to decide what to write, a value that is not a plain literal) or a
// script that fails (another replica created the schema first) leaves the migrator to do it as before.
import {
  DummyDriver,
  Kysely,
  Migrator,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SelectQueryNode,
  sql,
  type CompiledQuery,
  type DatabaseConnection,
  type Migration,
  type MigrationProvider,
  type QueryResult,
} from 'kysely';
import type { Database } from '../kysely/schema.js';
import { migrationProvider } from '../kysely/migrations/index.js';

/** The key Kysely's PostgreSQL adapter locks migrations under (postgres-adapter.js): the same lock excludes both. */
const MIGRATION_LOCK_KEY = '3853314791062309107';

/** Why a recorded statement cannot be replayed as text. */
class NotReplayable extends Error {}

/** Records every statement; answers each as if the database were empty (no rows). */
class RecordingConnection implements DatabaseConnection {
  readonly statements: CompiledQuery[] = [];
  inMigration = false;

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    // A migration that reads rows decides by them: an empty answer may not be what the database holds.
    if (this.inMigration && (SelectQueryNode.is(query.query) || /^\s*(select|with)\b/i.test(query.sql))) {
      throw new NotReplayable(`a migration reads data: ${query.sql.slice(0, 80)}`);
    }
    this.statements.push(query);
    return { rows: [] };
  }

  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new NotReplayable('a migration streams a query');
  }
}

/** Kysely's driver that runs nothing, handing out the recording connection. */
class RecordingDriver extends DummyDriver {
  constructor(private readonly connection: RecordingConnection) {
    super();
  }
  override async acquireConnection(): Promise<DatabaseConnection> {
    return this.connection;
  }
}

/** A parameter as a PostgreSQL literal, for the few statements that have any (inserted rows). */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'string') {
    // standard_conforming_strings is on since PostgreSQL 9.1: only quotes are doubled; a NUL cannot be sent in text.
    if (value.includes('\0')) throw new NotReplayable('a string parameter holds a NUL');
    return `'${value.replaceAll("'", "''")}'`;
  }
  throw new NotReplayable(`a parameter of type ${typeof value}`);
}

function inlined(query: CompiledQuery): string {
  if (query.parameters.length === 0) return query.sql;
  return query.sql.replace(/\$(\d+)\b/g, (placeholder, n: string) => {
    const i = Number(n) - 1;
    if (i >= query.parameters.length) throw new NotReplayable(`${placeholder} without a parameter`);
    return literal(query.parameters[i]);
  });
}

/**
 * The script the migrator would run on an empty database, now (its timestamps and rows are this
 * moment's), or undefined when the recording cannot stand for it.
 */
export async function freshSchemaScript(migrations: MigrationProvider = migrationProvider): Promise<string | undefined> {
  const connection = new RecordingConnection();
  const recorder = new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new RecordingDriver(connection),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  // Each migration marks its span, so that the migrator's own reads (its bookkeeping: empty on a new database) pass.
  const provider = {
    getMigrations: async () => {
      const byName = await migrations.getMigrations();
      const marked: Record<string, Migration> = {};
      for (const [name, m] of Object.entries(byName)) {
        marked[name] = {
          ...m,
          up: async (db) => {
            connection.inMigration = true;
            try {
              await m.up(db);
            } finally {
              connection.inMigration = false;
            }
          },
        };
      }
      return marked;
    },
  };
  const { error } = await new Migrator({ db: recorder, provider, allowUnorderedMigrations: true }).migrateToLatest();
  await recorder.destroy();
  if (error) {
    if (error instanceof NotReplayable) return undefined;
    throw error;
  }
  const statements: string[] = [`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`];
  try {
    for (const query of connection.statements) {
      // The migrator's reads found nothing and its session lock is replaced by the transaction's above.
      if (SelectQueryNode.is(query.query) || query.sql.includes('pg_advisory_')) continue;
      statements.push(inlined(query));
    }
  } catch (err) {
    if (err instanceof NotReplayable) return undefined;
    throw err;
  }
  return statements.join(';\n');
}

/**
 * Creates the whole schema of an empty database in one statement; false when that was not possible
 * (the caller then runs the migrator, which finds out why or finishes the job).
 */
export async function createFreshSchema(db: Kysely<Database>): Promise<boolean> {
  const script = await freshSchemaScript();
  if (script === undefined) return false;
  try {
    // Without parameters node-postgres sends it as a simple query: every statement in one implicit transaction.
    await sql.raw(script).execute(db);
    return true;
  } catch {
    return false;
  }
}

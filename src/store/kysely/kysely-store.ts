// A Store over any Kysely instance; the dialect modules only supply the connection.
import { DEFAULT_MIGRATION_TABLE, Migrator, sql, type Kysely } from 'kysely';
import type { Store, StoreSignals } from '../types.js';
import type { Database } from './schema.js';
import { migrationNames, migrationProvider } from './migrations/index.js';
import { KyselyAgentRepository } from './agent-repository.js';
import { KyselyEnvironmentRepository } from './environment-repository.js';
import { KyselySessionRepository } from './session-repository.js';
import { KyselyEventRepository } from './event-repository.js';
import { KyselyFileRepository } from './file-repository.js';
import { KyselyWorkRepository } from './work-repository.js';
import { KyselyEnvironmentKeyRepository } from './environment-key-repository.js';
import { KyselyUsageLedgerRepository } from './usage-ledger-repository.js';
import { KyselyConversationRepository } from './conversation-repository.js';
import { KyselyBatchRepository } from './batch-repository.js';
import { KyselyMemoryStoreRepository } from './memory-store-repository.js';
import { KyselySkillRepository } from './skill-repository.js';
import { KyselyDeploymentRepository } from './deployment-repository.js';
import { KyselyWebhookRepository } from './webhook-repository.js';
import { KyselyTelemetryDestinationRepository } from './telemetry-destination-repository.js';
import { KyselyVaultRepository } from './vault-repository.js';
import { KyselyGeneratedKeyRepository } from './generated-key-repository.js';
import { KyselyWorkspaceSnapshotRepository } from './workspace-snapshot-repository.js';
import type { BlobStore } from '../blob-store.js';
import { writeSession } from './session-write.js';

/** How a dialect that has cross-process signals listens for them (sending is plain SQL). */
export type SignalListen = StoreSignals['listen'];

export function kyselyStore(
  db: Kysely<Database>,
  dialect: Store['dialect'],
  close: () => Promise<void>,
  listen?: SignalListen,
  blobs?: BlobStore,
): Store {
  return {
    dialect,
    agents: new KyselyAgentRepository(db),
    environments: new KyselyEnvironmentRepository(db),
    sessions: new KyselySessionRepository(db, dialect === 'postgres'),
    events: new KyselyEventRepository(db, dialect === 'postgres'),
    files: new KyselyFileRepository(db),
    work: new KyselyWorkRepository(db),
    environmentKeys: new KyselyEnvironmentKeyRepository(db),
    usage: new KyselyUsageLedgerRepository(db, dialect === 'postgres'),
    conversations: new KyselyConversationRepository(db),
    batches: new KyselyBatchRepository(db),
    memoryStores: new KyselyMemoryStoreRepository(db),
    skills: new KyselySkillRepository(db),
    deployments: new KyselyDeploymentRepository(db),
    webhooks: new KyselyWebhookRepository(db),
    telemetryDestinations: new KyselyTelemetryDestinationRepository(db),
    vaults: new KyselyVaultRepository(db),
    generatedKey: new KyselyGeneratedKeyRepository(db),
    workspaceSnapshots: new KyselyWorkspaceSnapshotRepository(db),
    transaction: (fn) =>
      db.isTransaction
        ? fn(kyselyStore(db, dialect, close, listen, blobs))
        : db.transaction().execute((tx) => fn(kyselyStore(tx, dialect, close, listen, blobs))),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    // pg_notify inside a transaction is queued by the server and delivered only on commit.
    signals: listen && {
      send: async (channel, payload) => {
        await sql`select pg_notify(${channel}, ${payload})`.execute(db);
      },
      listen,
    },
    blobs,
    // Inside a transaction its statements are the transaction's: the one-statement form is for writes on their own.
    writeSession: dialect === 'postgres' && !db.isTransaction ? (id, write, fence, announce) => writeSession(db, id, write, fence, announce) : undefined,
    close,
  };
}

/** Whether the database has a table of this name; asked without an error (see migrationState). */
export type TableExists = (db: Kysely<Database>, name: string) => Promise<boolean>;

/**
 * `createFresh`: a dialect's quicker way to create the whole schema of an empty database (false: not
 * possible, the migrator does it).
 */
export async function migrateToLatest(
  db: Kysely<Database>,
  tableExists: TableExists,
  createFresh?: (db: Kysely<Database>) => Promise<boolean>,
): Promise<void> {
  const state = await migrationState(db, tableExists);
  if (state === 'current') return;
  if (state === 'empty' && createFresh && (await createFresh(db)) && (await migrationState(db, tableExists)) === 'current') return;
  // Unordered: features land in any order with migration numbers reserved per feature, so a
  // database may have applied a higher number before a lower one arrives.
  const migrator = new Migrator({ db, provider: migrationProvider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const reason = error instanceof Error ? error.message : String(error ?? 'unknown error');
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${reason}`);
  }
}

/**
 * A start on a current schema (every restart) reads the applied migrations once and is done; the
 * migrator's own path (its tables checked and created, its lock taken, the list read) is ten or so
 * statements, each a round trip on PostgreSQL. Anything else — a fresh database, a migration to
 * apply, or one this build does not know (the migrator refuses that) — goes the migrator's way.
 */
async function migrationState(db: Kysely<Database>, tableExists: TableExists): Promise<'current' | 'empty' | 'other'> {
  // Asked, not tried: a failed query's error has its stack formatted (Kysely extends it), and the
  // first stack formatted in the bundled server reads its 6 MB source map (~300 ms of a fresh start).
  if (!(await tableExists(db, DEFAULT_MIGRATION_TABLE))) return 'empty';
  const result = await sql<{ name: string }>`select name from ${sql.table(DEFAULT_MIGRATION_TABLE)}`.execute(db);
  const applied = result.rows.map((r) => r.name);
  const known = new Set(migrationNames);
  return applied.length === migrationNames.length && applied.every((name) => known.has(name)) ? 'current' : 'other';
}

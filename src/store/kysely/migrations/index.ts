// Numbered migrations, applied in order on start by Kysely's Migrator.
import type { Migration, MigrationProvider } from 'kysely';
import * as m001 from './001-initial.js';
import * as m002 from './002-byte-order-ids.js';
import * as m003 from './003-engine.js';
import * as m004 from './004-work-queue.js';
import * as m040 from './040-deployments.js';
import * as m041 from './041-webhooks.js';
import * as m042 from './042-deployment-budget-vaults.js';
import * as m050 from './050-usage-ledger.js';
import * as m051 from './051-gateway-conversations.js';
import * as m052 from './052-message-batches.js';
import * as m060 from './060-vaults.js';
import * as m070 from './070-memory-stores.js';
import * as m071 from './071-skills.js';
import * as m072 from './072-session-skills.js';
import * as m090 from './090-outcome-evaluations.js';
import * as m091 from './091-thread-events.js';
import * as m110 from './110-session-cost.js';
import * as m111 from './111-usage-rollups.js';
import * as m112 from './112-usage-session-totals.js';
import * as m115 from './115-telemetry-destinations.js';
import * as m116 from './116-telemetry-destination-failing-since.js';
import * as m120 from './120-generated-api-key.js';
import * as m121 from './121-lease-fencing-token.js';
import * as m122 from './122-blobs.js';
import * as m123 from './123-blob-staged-at.js';
import * as m124 from './124-workspace-snapshots.js';

const migrations: Record<string, Migration> = {
  '001-initial': m001,
  '002-byte-order-ids': m002,
  '003-engine': m003,
  '004-work-queue': m004,
  '040-deployments': m040,
  '041-webhooks': m041,
  '042-deployment-budget-vaults': m042,
  '050-usage-ledger': m050,
  '051-gateway-conversations': m051,
  '052-message-batches': m052,
  '060-vaults': m060,
  '070-memory-stores': m070,
  '071-skills': m071,
  '072-session-skills': m072,
  '090-outcome-evaluations': m090,
  '091-thread-events': m091,
  '110-session-cost': m110,
  '111-usage-rollups': m111,
  '112-usage-session-totals': m112,
  '115-telemetry-destinations': m115,
  '116-telemetry-destination-failing-since': m116,
  '120-generated-api-key': m120,
  '121-lease-fencing-token': m121,
  '122-blobs': m122,
  '123-blob-staged-at': m123,
  '124-workspace-snapshots': m124,
};

/** Every migration this build has, by name (what a database's kysely_migration lists once it is current). */
export const migrationNames: readonly string[] = Object.keys(migrations);

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

// Numbered migrations, applied in order on start by Kysely's Migrator.
import type { Migration, MigrationProvider } from 'kysely';
import * as m001 from './001-initial.js';

const migrations: Record<string, Migration> = {
  '001-initial': m001,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};

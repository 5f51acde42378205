// Environment keys, stored by digest only.
import type { Kysely, Selectable } from 'kysely';
import type { EnvironmentKeyRecord, EnvironmentKeyRepository } from '../work-types.js';
import type { Database } from './schema.js';
import type { EnvironmentKeysTable } from './work-schema.js';

const toRecord = (r: Selectable<EnvironmentKeysTable>): EnvironmentKeyRecord => ({
  id: r.id,
  workspaceId: r.workspace_id,
  environmentId: r.environment_id,
  digest: r.digest,
  hint: r.hint,
  createdAt: r.created_at,
});

export class KyselyEnvironmentKeyRepository implements EnvironmentKeyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(k: EnvironmentKeyRecord): Promise<void> {
    await this.db
      .insertInto('environment_keys')
      .values({
        id: k.id,
        workspace_id: k.workspaceId,
        environment_id: k.environmentId,
        digest: k.digest,
        hint: k.hint,
        created_at: k.createdAt,
      })
      .execute();
  }

  async findByDigest(digest: string): Promise<EnvironmentKeyRecord | undefined> {
    const row = await this.db.selectFrom('environment_keys').selectAll().where('digest', '=', digest).executeTakeFirst();
    return row && toRecord(row);
  }

  async list(environmentId: string): Promise<EnvironmentKeyRecord[]> {
    const rows = await this.db
      .selectFrom('environment_keys')
      .selectAll()
      .where('environment_id', '=', environmentId)
      .orderBy('created_at', 'asc')
      .orderBy('id', 'asc')
      .execute();
    return rows.map(toRecord);
  }

  async delete(environmentId: string, id: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('environment_keys')
      .where('environment_id', '=', environmentId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}

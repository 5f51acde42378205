// Telemetry destinations. Updates are compare-and-set on updated_at (a concurrent change is a 409);
// delivery health is written apart from the configuration, so it never changes updated_at.
import type { Kysely, Selectable } from 'kysely';
import type { TelemetryDestinationRecord, TelemetryDestinationRepository } from '../telemetry-destination-types.js';
import type { Database } from './schema.js';
import type { TelemetryDestinationsTable } from './telemetry-destination-schema.js';
import { fromJson, toJson } from './json.js';

const toRecord = (r: Selectable<TelemetryDestinationsTable>): TelemetryDestinationRecord => ({
  id: r.id,
  displayName: r.display_name,
  endpointUrl: r.endpoint_url,
  tracesEndpointUrl: r.traces_endpoint_url,
  tracesEnabled: Number(r.traces_enabled) === 1,
  contentMode: r.content_mode as TelemetryDestinationRecord['contentMode'],
  maxContentBytes: r.max_content_bytes === null ? null : Number(r.max_content_bytes),
  headerNames: fromJson(r.header_names),
  sealedHeaders: r.sealed_headers,
  workspacesType: 'all',
  state: r.state as TelemetryDestinationRecord['state'],
  disabledReason: r.disabled_reason as TelemetryDestinationRecord['disabledReason'],
  lastError: r.last_error,
  lastErrorAt: r.last_error_at,
  lastSuccessAt: r.last_success_at,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const toConfigRow = (d: TelemetryDestinationRecord) => ({
  display_name: d.displayName,
  endpoint_url: d.endpointUrl,
  traces_endpoint_url: d.tracesEndpointUrl,
  traces_enabled: d.tracesEnabled ? 1 : 0,
  content_mode: d.contentMode,
  max_content_bytes: d.maxContentBytes,
  header_names: toJson(d.headerNames),
  sealed_headers: d.sealedHeaders,
  workspaces_type: d.workspacesType,
  state: d.state,
  disabled_reason: d.disabledReason,
  updated_at: d.updatedAt,
});

export class KyselyTelemetryDestinationRepository implements TelemetryDestinationRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(d: TelemetryDestinationRecord): Promise<void> {
    await this.db
      .insertInto('telemetry_destinations')
      .values({
        id: d.id,
        ...toConfigRow(d),
        last_error: d.lastError,
        last_error_at: d.lastErrorAt,
        last_success_at: d.lastSuccessAt,
        failing_since: null,
        created_at: d.createdAt,
      })
      .execute();
  }

  async get(id: string): Promise<TelemetryDestinationRecord | undefined> {
    const row = await this.db.selectFrom('telemetry_destinations').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRecord(row);
  }

  async list(): Promise<TelemetryDestinationRecord[]> {
    return (await this.db.selectFrom('telemetry_destinations').selectAll().orderBy('id').execute()).map(toRecord);
  }

  async count(): Promise<number> {
    const row = await this.db.selectFrom('telemetry_destinations').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async update(d: TelemetryDestinationRecord, expectedUpdatedAt: string, opts?: { enabling: boolean }): Promise<boolean> {
    const result = await this.db
      .updateTable('telemetry_destinations')
      .set(opts?.enabling ? { ...toConfigRow(d), failing_since: null } : toConfigRow(d))
      .where('id', '=', d.id)
      .where('updated_at', '=', expectedUpdatedAt)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('telemetry_destinations').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }

  async setSealedHeaders(id: string, sealed: string): Promise<void> {
    await this.db.updateTable('telemetry_destinations').set({ sealed_headers: sealed }).where('id', '=', id).execute();
  }

  async recordDelivery(id: string, error: string | null, at: string, disableFailingSince?: string): Promise<boolean> {
    if (error === null) {
      await this.db.updateTable('telemetry_destinations').set({ last_success_at: at, failing_since: null }).where('id', '=', id).execute();
      return false;
    }
    await this.db
      .updateTable('telemetry_destinations')
      .set((eb) => ({ last_error: error, last_error_at: at, failing_since: eb.fn.coalesce('failing_since', eb.val(at)) }))
      .where('id', '=', id)
      .execute();
    if (disableFailingSince === undefined) return false;
    // One statement: only an enabled destination whose failures began long enough ago is disabled.
    const disabled = await this.db
      .updateTable('telemetry_destinations')
      .set({ state: 'disabled', disabled_reason: 'sustained_failure', updated_at: at })
      .where('id', '=', id)
      .where('state', '=', 'enabled')
      .where('failing_since', '<=', disableFailingSince)
      .executeTakeFirst();
    return Number(disabled.numUpdatedRows) === 1;
  }
}

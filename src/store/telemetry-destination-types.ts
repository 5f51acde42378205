// The repository of telemetry destinations (records: domain/records/telemetry-destination.ts).
import type { TelemetryDestinationRecord } from '../domain/records/telemetry-destination.js';

export type { TelemetryDestinationRecord } from '../domain/records/telemetry-destination.js';

export interface TelemetryDestinationRepository {
  insert(destination: TelemetryDestinationRecord): Promise<void>;
  get(id: string): Promise<TelemetryDestinationRecord | undefined>;
  /** Every destination, oldest first. */
  list(): Promise<TelemetryDestinationRecord[]>;
  count(): Promise<number>;
  /**
   * Writes the destination's configuration and state if it is still at `expectedUpdatedAt`
   * (compare-and-set); false when another request changed it meanwhile. Delivery health is untouched;
   * `enabling` starts the sustained-failure window afresh.
   */
  update(destination: TelemetryDestinationRecord, expectedUpdatedAt: string, opts?: { enabling: boolean }): Promise<boolean>;
  delete(id: string): Promise<boolean>;
  /** Replaces the sealed header values (key rotation: the same values under a new key; updated_at unchanged). */
  setSealedHeaders(id: string, sealed: string): Promise<void>;
  /**
   * Records a delivery: a success (`error` null) or a failure with its reason. A failure that ends
   * a run of failures begun before `disableFailingSince` disables the destination (state change:
   * reason `sustained_failure`, updated_at = `at`); returns whether it did.
   */
  recordDelivery(id: string, error: string | null, at: string, disableFailingSince?: string): Promise<boolean>;
}

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
   * (compare-and-set); false when another request changed it meanwhile. Delivery health is untouched.
   */
  update(destination: TelemetryDestinationRecord, expectedUpdatedAt: string): Promise<boolean>;
  delete(id: string): Promise<boolean>;
  /** Replaces the sealed header values (key rotation: the same values under a new key; updated_at unchanged). */
  setSealedHeaders(id: string, sealed: string): Promise<void>;
  /** Records a delivery: a success (`error` null) or a failure with its reason. */
  recordDelivery(id: string, error: string | null, at: string): Promise<void>;
}

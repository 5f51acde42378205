// Keeps the export targets of telemetry destinations in step with the database: re-read after every
// change made through this process, and every few seconds for changes made through another replica.
// Each enabled destination with traces enabled is one export target (telemetry/span-export.ts);
// its deliveries are recorded as the destination's delivery_health.
import type { Logger } from '../logger.js';
import type { SecretBox } from '../secrets/secret-box.js';
import type { Store } from '../store/types.js';
import { tracesUrl, type TelemetryDestinationRecord } from '../domain/records/telemetry-destination.js';
import { openHeaders } from '../commands/telemetry/destinations.js';
import { ExportTarget, type ExportObserver } from '../telemetry/span-export.js';
import type { Tracing } from '../telemetry/tracing.js';

export interface DestinationExportsDeps {
  store: Store;
  secrets: SecretBox;
  tracing: Tracing;
  /** Counts exported and dropped spans (Prometheus). */
  spans: Pick<ExportObserver, 'exported' | 'dropped'>;
  logger: Logger;
  now: () => string;
  batchDelayMs: number;
  maxQueueSize: number;
  /** How often other replicas' changes are picked up. */
  pollMs: number;
  /** A destination whose deliveries fail this long, with no success in between, is disabled (`sustained_failure`). */
  disableAfterMs: number;
}

/** What a target is built from: a change of any of it means a new target. */
const shapeOf = (d: TelemetryDestinationRecord) => JSON.stringify([tracesUrl(d), d.sealedHeaders, d.contentMode, d.maxContentBytes]);

export class DestinationExports {
  private readonly shapes = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly deps: DestinationExportsDeps) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.changed(), this.deps.pollMs);
    this.timer.unref();
  }

  /**
   * Re-reads the destinations, after any read under way (one at a time). Resolves once the targets
   * match what was read, so a destination created by a request receives the spans of turns after it.
   */
  changed(): Promise<void> {
    this.chain = this.chain.then(() => this.refresh()).catch((err: unknown) => this.deps.logger.error({ err }, 'reading telemetry destinations failed'));
    return this.chain;
  }

  /** Waits for the reads under way (shutdown). */
  settled(): Promise<void> {
    return this.chain;
  }

  private async refresh(): Promise<void> {
    const wanted = (await this.deps.store.telemetryDestinations.list()).filter((d) => d.state === 'enabled' && d.tracesEnabled);
    const ids = new Set(wanted.map((d) => d.id));
    for (const id of [...this.shapes.keys()]) {
      if (ids.has(id)) continue;
      this.deps.tracing.removeTarget(id);
      this.shapes.delete(id);
    }
    for (const d of wanted) {
      const shape = shapeOf(d);
      if (this.shapes.get(d.id) === shape) continue;
      this.deps.tracing.setTarget(this.targetFor(d));
      this.shapes.set(d.id, shape);
    }
  }

  private targetFor(d: TelemetryDestinationRecord): ExportTarget {
    const { deps } = this;
    const observer: ExportObserver = {
      ...deps.spans,
      delivered: (id, error) => {
        const at = deps.now();
        const disableIfFailingSince = error === undefined ? undefined : new Date(Date.parse(at) - deps.disableAfterMs).toISOString();
        deps.store.telemetryDestinations
          .recordDelivery(id, error ?? null, at, disableIfFailingSince)
          .then((disabled) => {
            if (!disabled) return;
            deps.logger.warn({ destination_id: id, last_error: error }, 'telemetry destination disabled after sustained delivery failures');
            return this.changed();
          })
          .catch((err: unknown) => deps.logger.warn({ err, destination_id: id }, 'recording a telemetry delivery failed'));
      },
    };
    return new ExportTarget(
      {
        name: d.id,
        url: tracesUrl(d),
        protocol: 'http/protobuf',
        headers: openHeaders(deps.secrets, d),
        content: d.contentMode === 'content' ? { type: 'content', maxBytes: d.maxContentBytes ?? undefined } : { type: 'metadata_only' },
        batchDelayMs: deps.batchDelayMs,
        maxQueueSize: deps.maxQueueSize,
      },
      observer,
    );
  }

  close(): void {
    clearInterval(this.timer);
  }
}

// Wiring of the gateway's parts: the file lookup behind file-sourced blocks, the usage ledger, per-key limits and
// the captured-content retention sweep.
import type { Tracer } from '@opentelemetry/api';
import type { Config } from '../config/config.js';
import type { Clock } from '../domain/clock.js';
import type { FileLookup } from '../engine/model/file-sources.js';
import type { ModelClient } from '../engine/model/model-client.js';
import type { GatewayDeps } from '../gateway/gateway-deps.js';
import { KeyLimits } from '../gateway/key-limits.js';
import { RecentReplies } from '../gateway/recent-replies.js';
import type { BlobStore } from '../store/blob-store.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/types.js';
import type { PriceTable } from '../telemetry/prices.js';
import type { Metrics } from '../telemetry/metrics.js';
import { UsageLedger } from '../telemetry/usage-ledger.js';

/** Files a model request may name: unexpired ones, in the caller's workspace when it is known. */
export function fileLookup(store: Store, blobs: BlobStore, clock: Clock): FileLookup {
  return async (fileId, workspaceId) => {
    // A call made for no workspace can name no file: files never cross workspaces.
    const file = workspaceId === undefined ? undefined : await store.files.get(workspaceId, fileId);
    if (!file || (file.expiresAt !== null && file.expiresAt <= new Date(clock.now()).toISOString())) return undefined;
    return {
      mimeType: file.mimeType,
      sizeBytes: file.sizeBytes,
      read: async () => {
        const chunks: Buffer[] = [];
        for await (const chunk of blobs.read(file.id)) chunks.push(chunk as Buffer);
        return Buffer.concat(chunks);
      },
    };
  };
}

export function createGatewayDeps(opts: {
  config: Config;
  store: Store;
  model: ModelClient;
  clock: Clock;
  logger: Logger;
  prices: PriceTable;
  metrics: Metrics;
  tracer?: Tracer;
}): GatewayDeps {
  const { config, store, clock, logger } = opts;
  return {
    store,
    model: opts.model,
    ledger: new UsageLedger({ store, prices: opts.prices, logger, observe: (r) => opts.metrics.modelCalls([r]) }),
    limits: new KeyLimits(config.gateway, clock),
    clock,
    logger,
    config: config.gateway,
    provider: config.engine.provider,
    modelMap: config.engine.modelMap,
    replies: new RecentReplies(),
    sseStallMs: config.sseStallMs,
    tracer: opts.tracer,
  };
}

const HOUR = 3_600_000;

/** Deletes captured bodies past AGENTD_GATEWAY_CAPTURE_RETENTION_DAYS, hourly (and once at start). */
export function startContentRetention(deps: GatewayDeps): () => void {
  const sweep = () => {
    const before = new Date(deps.clock.now() - deps.config.captureRetentionDays * 24 * HOUR).toISOString();
    deps.store.conversations
      .deleteContentBefore(before)
      .catch((err: unknown) => deps.logger.error({ err }, 'captured-content retention sweep failed'));
  };
  sweep();
  const timer = setInterval(sweep, HOUR);
  timer.unref();
  return () => clearInterval(timer);
}

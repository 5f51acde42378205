// Whether this process snapshots session workspaces, decided once (AGENTD_WORKSPACE_SNAPSHOTS), and
// the snapshot module wired to the shared blob store and the metrics.
import type { Config } from '../config/config.js';
import type { Logger } from '../logger.js';
import type { BlobStore } from '../store/blob-store.js';
import type { Store } from '../store/types.js';
import type { Metrics } from '../telemetry/metrics.js';
import { workspaceSnapshots, type WorkspaceSnapshots } from '../sandbox/workspace/workspace-snapshots.js';

/** On by default where the blob store is shared by replicas (the database's): that is where a workspace can outlive its replica. */
export function snapshotsEnabled(config: Config, store: Store): boolean {
  const { mode } = config.engine.workspaceSnapshots;
  return mode === 'on' || (mode === 'auto' && store.blobs !== undefined);
}

export function wireWorkspaceSnapshots(deps: {
  config: Config;
  store: Store;
  blobs: BlobStore;
  logger: Logger;
  metrics: Metrics;
  now: () => string;
}): WorkspaceSnapshots | undefined {
  const { config, store, metrics } = deps;
  if (!snapshotsEnabled(config, store)) return undefined;
  const { maxBytes, maxLayers } = config.engine.workspaceSnapshots;
  return workspaceSnapshots({
    workspacesDir: config.engine.workspacesDir,
    store,
    blobs: deps.blobs,
    policy: { maxBytes, maxLayers },
    logger: deps.logger,
    now: deps.now,
    observe: (e) => {
      if (e.type === 'restore') return metrics.workspaceRestore();
      const o = e.outcome;
      metrics.workspaceSnapshot(o.kind, o.kind === 'base' || o.kind === 'layer' ? o.bytes : 0);
    },
  });
}

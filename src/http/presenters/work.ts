// Work items, queue stats and environment keys → their wire shapes.
import type { Work, WorkQueueStats } from '../../api/work-wire.js';
import type { QueueStats } from '../../work/work-queue.js';
import type { EnvironmentKeyRecord, WorkItemRecord } from '../../store/work-types.js';

/** `secret` is populated only in the poll response that hands the item out. */
export function presentWork(w: WorkItemRecord, secret: string | null = null): Work {
  return {
    type: 'work',
    id: w.id,
    environment_id: w.environmentId,
    data: { type: 'session', id: w.sessionId },
    state: w.state,
    metadata: w.metadata,
    secret,
    created_at: w.createdAt,
    acknowledged_at: w.acknowledgedAt,
    started_at: w.startedAt,
    latest_heartbeat_at: w.latestHeartbeatAt,
    stop_requested_at: w.stopRequestedAt,
    stopped_at: w.stoppedAt,
  };
}

export function presentWorkStats(s: QueueStats): WorkQueueStats {
  return {
    type: 'work_queue_stats',
    depth: s.depth,
    pending: s.pending,
    oldest_queued_at: s.oldestQueuedAt,
    workers_polling: s.workersPolling,
  };
}

/** agentd extension (no SDK type): the key itself appears only in the create response. */
export interface EnvironmentKeyWire {
  type: 'environment_key';
  id: string;
  environment_id: string;
  key_hint: string;
  created_at: string;
  key?: string;
}

export function presentEnvironmentKey(k: EnvironmentKeyRecord, key?: string): EnvironmentKeyWire {
  return {
    type: 'environment_key',
    id: k.id,
    environment_id: k.environmentId,
    key_hint: k.hint,
    created_at: k.createdAt,
    ...(key !== undefined ? { key } : {}),
  };
}

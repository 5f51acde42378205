// Session records → the wire `BetaManagedAgentsSession`.
import type { Session } from '../../api/wire.js';
import type { SessionRecord } from '../../store/types.js';
import { activeMsAt, usageAt } from '../../domain/session-runtime.js';

const seconds = (ms: number) => Math.round(ms) / 1000;

/** Token totals, list cost and active time (domain/session-runtime.ts). */
export const presentUsage = (s: SessionRecord, now: number): Session['usage'] => usageAt(s.usage, s.runtime, now);

export function presentSession(s: SessionRecord, now: number = Date.now()): Session {
  // A terminated session's duration is frozen at its last update.
  const end = s.status === 'terminated' ? Date.parse(s.updatedAt) : now;
  const durationMs = Math.max(0, end - Date.parse(s.createdAt));
  return {
    type: 'session',
    id: s.id,
    title: s.title,
    status: s.status,
    agent: s.agent,
    environment_id: s.environmentId,
    metadata: s.metadata,
    resources: s.resources.map((r) => r.resource),
    vault_ids: s.vaultIds,
    usage: presentUsage(s, now),
    stats: { active_seconds: seconds(activeMsAt(s.runtime, now)), duration_seconds: seconds(durationMs) },
    budget: s.budget,
    outcome_evaluations: s.outcomeEvaluations,
    deployment_id: s.deploymentId,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    archived_at: s.archivedAt,
  };
}

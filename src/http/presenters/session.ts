// Session records → the wire `BetaManagedAgentsSession`.
import type { Session } from '../../api/wire.js';
import type { SessionRecord } from '../../store/types.js';

export function presentSession(s: SessionRecord, now: number = Date.now()): Session {
  const durationSeconds = Math.max(0, (now - Date.parse(s.createdAt)) / 1000);
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
    usage: s.usage,
    stats: { active_seconds: s.usage.active_seconds ?? 0, duration_seconds: Math.round(durationSeconds * 1000) / 1000 },
    budget: (s.budget ?? null) as Session['budget'],
    outcome_evaluations: s.outcomeEvaluations,
    deployment_id: s.deploymentId,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    archived_at: s.archivedAt,
  };
}

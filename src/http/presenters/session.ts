// Session records → the wire `BetaManagedAgentsSession`.
import type { Session } from '../../api/wire.js';
import type { SessionRecord } from '../../store/types.js';
import { centsString } from '../../domain/budget.js';
import { activeMsAt } from '../../domain/session-runtime.js';

const seconds = (ms: number) => Math.round(ms) / 1000;

/**
 * Token totals, list cost (integer cents, rounded up) and active time. One thread runs at a time
 * here, so the session's active time and the sum of its threads' are the same figure.
 */
export function presentUsage(s: SessionRecord, now: number): Session['usage'] {
  return {
    ...s.usage,
    active_seconds: seconds(activeMsAt(s.runtime, now)),
    list_cost: { amount: centsString(s.runtime.listCostNanoUsd), currency: 'USD' },
  };
}

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

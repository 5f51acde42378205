// Deployment and deployment-run records → the wire `BetaManagedAgentsDeployment` / `...DeploymentRun`.
import type { BetaManagedAgentsDeployment, BetaManagedAgentsSessionResourceConfig } from '@anthropic-ai/sdk/resources/beta/deployments.js';
import type { BetaManagedAgentsDeploymentRun } from '@anthropic-ai/sdk/resources/beta/deployment-runs.js';
import { firesAfter, UPCOMING_RUNS } from '../../domain/cron-schedule.js';
import type { DeploymentRecord, DeploymentResourceParam, DeploymentRunRecord } from '../../domain/records/deployment.js';

/** A resource as configured, without a repository's authorization token (write-only). */
function presentResource(r: DeploymentResourceParam): BetaManagedAgentsSessionResourceConfig {
  const { authorization_token: _token, ...rest } = r;
  return rest as unknown as BetaManagedAgentsSessionResourceConfig;
}

export function presentDeployment(now: number, d: DeploymentRecord): BetaManagedAgentsDeployment {
  const schedule = d.schedule
    ? {
        type: 'cron' as const,
        expression: d.schedule.expression,
        timezone: d.schedule.timezone,
        last_run_at: d.lastRunAt,
        // What the schedule would do from now (if unpaused); empty once archived.
        upcoming_runs_at: d.archivedAt
          ? []
          : firesAfter(d.schedule.expression, d.schedule.timezone, now, UPCOMING_RUNS).map((t) => new Date(t).toISOString()),
      }
    : null;
  return {
    type: 'deployment',
    id: d.id,
    name: d.name,
    description: d.description,
    agent: d.agent,
    environment_id: d.environmentId,
    initial_events: d.initialEvents as BetaManagedAgentsDeployment['initial_events'],
    resources: d.resources.map(presentResource),
    vault_ids: d.vaultIds,
    metadata: d.metadata,
    schedule,
    status: d.status,
    paused_reason: d.pausedReason,
    budget: d.budget,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
    archived_at: d.archivedAt,
  };
}

export function presentDeploymentRun(r: DeploymentRunRecord): BetaManagedAgentsDeploymentRun {
  return {
    type: 'deployment_run',
    id: r.id,
    deployment_id: r.deploymentId,
    agent: r.agent,
    trigger_context: r.scheduledAt === null ? { type: 'manual' } : { type: 'schedule', scheduled_at: r.scheduledAt },
    session_id: r.sessionId,
    error: r.error,
    created_at: r.createdAt,
  };
}

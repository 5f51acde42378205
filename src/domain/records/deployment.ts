// Deployment records: an agent, an environment and initial events fired as a session on a cron
// schedule (or by hand), and one run record per trigger attempt.
import type { DeploymentInitialEvent } from '../../api/schemas/deployment.js';
import type {
  BetaManagedAgentsDeploymentPausedReason,
  BetaManagedAgentsDeploymentStatus,
} from '@anthropic-ai/sdk/resources/beta/deployments.js';
import type { BetaManagedAgentsDeploymentRun } from '@anthropic-ai/sdk/resources/beta/deployment-runs.js';
import type { BudgetLimit } from './session.js';

export interface DeploymentAgentRef {
  type: 'agent';
  id: string;
  version: number;
}

/** A session resource as the deployment was given it (a repository's token included: never presented). */
export type DeploymentResourceParam = Record<string, unknown> & { type: 'file' | 'github_repository' | 'memory_store' };

export interface DeploymentRecord {
  id: string;
  workspaceId: string;
  name: string;
  description: string | null;
  agent: DeploymentAgentRef;
  environmentId: string;
  initialEvents: DeploymentInitialEvent[];
  resources: DeploymentResourceParam[];
  /** Vaults every run's session gets (checked at create/update and again by each run). */
  vaultIds: string[];
  /** The budget stamped onto every run's session; null when none. */
  budget: BudgetLimit | null;
  metadata: Record<string, string>;
  schedule: { expression: string; timezone: string } | null;
  status: BetaManagedAgentsDeploymentStatus;
  pausedReason: BetaManagedAgentsDeploymentPausedReason | null;
  /** When the latest scheduled run started (manual runs do not count). */
  lastRunAt: string | null;
  /** The next scheduled instant not yet claimed by any server; null without a schedule or once archived. */
  nextFireAt: string | null;
  createdAt: string;
  updatedAt: string;
  archivedAt: string | null;
}

export type DeploymentRunError = NonNullable<BetaManagedAgentsDeploymentRun['error']>;
export type DeploymentTriggerType = 'schedule' | 'manual';

export interface DeploymentRunRecord {
  id: string;
  workspaceId: string;
  deploymentId: string;
  agent: DeploymentAgentRef;
  triggerType: DeploymentTriggerType;
  /** The cron instant a scheduled run is for (unique per deployment); null for manual runs. */
  scheduledAt: string | null;
  /**
   * `pending` from the claim until the session (or the error) is recorded; a pending run whose
   * lease lapsed (its server died) is finished by another server. Pending runs are not listed.
   */
  state: 'pending' | 'done';
  leaseUntil: string | null;
  sessionId: string | null;
  error: DeploymentRunError | null;
  createdAt: string;
}

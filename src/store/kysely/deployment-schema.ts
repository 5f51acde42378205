// Table shapes of deployments and their runs (migrations 040, 042).
export interface DeploymentsTable {
  id: string;
  workspace_id: string;
  name: string;
  description: string | null;
  agent: string;
  agent_id: string;
  environment_id: string;
  initial_events: string;
  resources: string;
  vault_ids: string;
  /** JSON budget limit (migration 042); null when none. */
  budget: string | null;
  metadata: string;
  schedule: string | null;
  status: string;
  paused_reason: string | null;
  last_run_at: string | null;
  next_fire_at: string | null;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
}

export interface DeploymentRunsTable {
  id: string;
  workspace_id: string;
  deployment_id: string;
  agent: string;
  trigger_type: string;
  scheduled_at: string | null;
  state: string;
  lease_until: string | null;
  session_id: string | null;
  error: string | null;
  has_error: number;
  created_at: string;
}

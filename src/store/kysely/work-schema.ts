// Table shapes of the self-hosted work queue and environment keys (migration 004).
export interface WorkItemsTable {
  id: string;
  workspace_id: string;
  environment_id: string;
  session_id: string;
  state: string;
  metadata: string;
  claim: number;
  revision: number;
  claimed_at: string | null;
  claimed_by: string | null;
  created_at: string;
  acknowledged_at: string | null;
  started_at: string | null;
  latest_heartbeat_at: string | null;
  lease_expires_at: string | null;
  stop_requested_at: string | null;
  stopped_at: string | null;
}

export interface WorkTokensTable {
  digest: string;
  work_id: string;
  claim: number;
  created_at: string;
}

export interface WorkPollersTable {
  environment_id: string;
  worker_id: string;
  last_polled_at: string;
}

export interface EnvironmentKeysTable {
  id: string;
  workspace_id: string;
  environment_id: string;
  digest: string;
  hint: string;
  created_at: string;
}

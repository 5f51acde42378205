// Table shapes shared by both dialects. JSON is stored as text and timestamps as
// fixed-width ISO-8601 UTC strings, so ordering and filtering behave identically everywhere.
import type { Generated } from 'kysely';
import type { EnvironmentKeysTable, WorkItemsTable, WorkPollersTable, WorkTokensTable } from './work-schema.js';
import type {
  GatewayCallContentsTable,
  GatewayConversationsTable,
  MessageBatchRequestsTable,
  MessageBatchesTable,
  UsageLedgerTable,
  UsageDailyRollupTable,
  UsageRollupTable,
  UsageSessionRollupTable,
  UsageSessionTotalsTable,
} from './usage-schema.js';
import type { MemoriesTable, MemoryStoresTable, MemoryVersionsTable, SessionMemoryStoresTable } from './memory-schema.js';
import type { SessionSkillsTable, SkillsTable, SkillVersionsTable } from './skill-schema.js';
import type { DeploymentRunsTable, DeploymentsTable } from './deployment-schema.js';
import type { WebhookDeliveriesTable, WebhookEndpointsTable } from './webhook-schema.js';
import type { TelemetryDestinationsTable } from './telemetry-destination-schema.js';
import type { VaultCredentialsTable, VaultsTable } from './vault-schema.js';

/** File bytes on PostgreSQL: chunk `n` (from 0) of blob `key`. An empty blob is one empty chunk 0. */
export interface BlobsTable {
  key: string;
  n: number;
  data: Buffer;
  /** When a write staged this chunk (ISO); null once published under its key. */
  staged_at: string | null;
}

/** A workspace snapshot of a session (store/workspace-snapshot-types.ts); `deleted` is a JSON array. */
export interface WorkspaceSnapshotsTable {
  session_id: string;
  generation: number;
  kind: 'base' | 'layer';
  blob_key: string;
  bytes: number | string;
  entries: number;
  tree_bytes: number | string;
  deleted: string;
  event_seq: number | string;
  created_at: string;
}

export interface GeneratedApiKeysTable {
  id: string;
  /** SHA-256 of the key, hex. */
  digest: string;
  created_at: string;
}

export interface WorkspacesTable {
  id: string;
  name: string;
  created_at: string;
}

export interface AgentsTable {
  id: string;
  workspace_id: string;
  version: number;
  snapshot: string;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
}

export interface AgentVersionsTable {
  agent_id: string;
  version: number;
  snapshot: string;
  created_at: string;
}

export interface EnvironmentsTable {
  id: string;
  workspace_id: string;
  name: string;
  description: string | null;
  config: string;
  metadata: string;
  scope: string | null;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
}

export interface SessionsTable {
  id: string;
  workspace_id: string;
  environment_id: string;
  agent_id: string;
  agent_version: number;
  agent: string;
  title: string | null;
  metadata: string;
  status: string;
  resources: string;
  vault_ids: string;
  usage: string;
  budget: string | null;
  deployment_id: string | null;
  last_seq: number;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
  lease_owner: string | null;
  lease_expires_at: string | null;
  /** Incremented by every lease acquisition: the fencing token engine writes check. */
  lease_token: Generated<number>;
  outcome_evaluations: string;
  list_cost_nanousd: number | string;
  unpriced_calls: number;
  active_ms: number | string;
  running_since: string | null;
}

export interface SessionEventsTable {
  session_id: string;
  seq: number;
  id: string;
  thread_id: string | null;
  type: string;
  body: string;
  processed_at: string | null;
  created_at: string;
  internal: string | null;
  cross_posted: number;
}

export interface FilesTable {
  id: string;
  workspace_id: string;
  filename: string;
  mime_type: string;
  size_bytes: number | string;
  scope_session_id: string | null;
  downloadable: number;
  created_at: string;
  expires_at: string | null;
}

export interface Database {
  workspaces: WorkspacesTable;
  agents: AgentsTable;
  agent_versions: AgentVersionsTable;
  environments: EnvironmentsTable;
  sessions: SessionsTable;
  session_events: SessionEventsTable;
  files: FilesTable;
  work_items: WorkItemsTable;
  work_tokens: WorkTokensTable;
  work_pollers: WorkPollersTable;
  environment_keys: EnvironmentKeysTable;
  usage_ledger: UsageLedgerTable;
  usage_daily: UsageDailyRollupTable;
  usage_hourly: UsageRollupTable;
  usage_session_hourly: UsageSessionRollupTable;
  usage_session_totals: UsageSessionTotalsTable;
  gateway_conversations: GatewayConversationsTable;
  gateway_call_contents: GatewayCallContentsTable;
  message_batches: MessageBatchesTable;
  message_batch_requests: MessageBatchRequestsTable;
  memory_stores: MemoryStoresTable;
  memories: MemoriesTable;
  memory_versions: MemoryVersionsTable;
  session_memory_stores: SessionMemoryStoresTable;
  skills: SkillsTable;
  skill_versions: SkillVersionsTable;
  session_skills: SessionSkillsTable;
  deployments: DeploymentsTable;
  deployment_runs: DeploymentRunsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  telemetry_destinations: TelemetryDestinationsTable;
  vaults: VaultsTable;
  vault_credentials: VaultCredentialsTable;
  generated_api_keys: GeneratedApiKeysTable;
  blobs: BlobsTable;
  workspace_snapshots: WorkspaceSnapshotsTable;
}

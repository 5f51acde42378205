// Table shapes of the usage ledger, gateway conversations and Message Batches (migrations 050–052).
/** bigint columns come back as strings from PostgreSQL. */
type BigIntColumn = number | string;

export interface UsageLedgerTable {
  id: string;
  workspace_id: string;
  api_key_id: string | null;
  product: string;
  call_kind: string;
  model: string;
  provider_model: string;
  provider: string;
  session_id: string | null;
  thread_id: string | null;
  agent_id: string | null;
  agent_version: number | null;
  deployment_id: string | null;
  environment_id: string | null;
  conversation_id: string | null;
  batch_id: string | null;
  request_id: string | null;
  provider_request_id: string | null;
  message_id: string | null;
  input_tokens: BigIntColumn;
  output_tokens: BigIntColumn;
  cache_read_input_tokens: BigIntColumn;
  cache_creation_5m_input_tokens: BigIntColumn;
  cache_creation_1h_input_tokens: BigIntColumn;
  list_cost_nanousd: BigIntColumn | null;
  latency_ms: number;
  ttft_ms: number | null;
  stop_reason: string | null;
  outcome: string;
  streamed: number;
  tool_names: string;
  created_at: string;
}

/** The summed figures every rollup row carries. */
interface UsageSumColumns {
  requests: BigIntColumn;
  input_tokens: BigIntColumn;
  output_tokens: BigIntColumn;
  cache_read_input_tokens: BigIntColumn;
  cache_creation_5m_input_tokens: BigIntColumn;
  cache_creation_1h_input_tokens: BigIntColumn;
  list_cost_nanousd: BigIntColumn;
}

/** usage_daily / usage_hourly (no session) and usage_session_hourly (with it): one row per period and dimension values. */
interface UsageRollupColumns extends UsageSumColumns {
  workspace_id: string;
  product: string;
  model: string;
  agent_id: string;
  deployment_id: string;
  environment_id: string;
  api_key_id: string;
}

export interface UsageDailyRollupTable extends UsageRollupColumns {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
}

export interface UsageRollupTable extends UsageRollupColumns {
  /** `YYYY-MM-DDTHH` (UTC). */
  hour: string;
}

export interface UsageSessionRollupTable extends UsageRollupTable {
  session_id: string;
}

/** usage_session_totals: one row per session ('' for calls without one), for all time. */
export interface UsageSessionTotalsTable extends UsageSumColumns {
  workspace_id: string;
  session_id: string;
  /** The sum of the five token counts (a ranking of its own). */
  total_tokens: BigIntColumn;
  /** The first and last call's `created_at`. */
  first_call_at: string;
  last_call_at: string;
}

export interface GatewayConversationsTable {
  workspace_id: string;
  id: string;
  row_id: string;
  source: string;
  user_id: string | null;
  first_call_at: string;
  last_call_at: string;
  last_model: string;
  calls: BigIntColumn;
  errored_calls: BigIntColumn;
  input_tokens: BigIntColumn;
  output_tokens: BigIntColumn;
  cache_read_input_tokens: BigIntColumn;
  cache_creation_5m_input_tokens: BigIntColumn;
  cache_creation_1h_input_tokens: BigIntColumn;
  list_cost_nanousd: BigIntColumn;
}

export interface GatewayCallContentsTable {
  call_id: string;
  workspace_id: string;
  request: string;
  response: string;
  created_at: string;
}

export interface MessageBatchesTable {
  id: string;
  workspace_id: string;
  api_key_id: string | null;
  betas: string;
  processing_status: string;
  processing: number;
  succeeded: number;
  errored: number;
  canceled: number;
  expired: number;
  created_at: string;
  expires_at: string;
  ended_at: string | null;
  cancel_initiated_at: string | null;
}

export interface MessageBatchRequestsTable {
  batch_id: string;
  idx: number;
  custom_id: string;
  params: string;
  state: string;
  attempts: number;
  lease_owner: string | null;
  lease_expires_at: string | null;
  not_before: string | null;
  result: string | null;
}

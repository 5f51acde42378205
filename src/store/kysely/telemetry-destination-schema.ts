// Table shape of telemetry destinations (migration 115).
export interface TelemetryDestinationsTable {
  id: string;
  display_name: string | null;
  endpoint_url: string;
  traces_endpoint_url: string | null;
  traces_enabled: number;
  content_mode: string;
  max_content_bytes: number | null;
  header_names: string;
  sealed_headers: string | null;
  workspaces_type: string;
  state: string;
  disabled_reason: string | null;
  last_error: string | null;
  last_error_at: string | null;
  last_success_at: string | null;
  /** Migration 116. */
  failing_since: string | null;
  created_at: string;
  updated_at: string;
}

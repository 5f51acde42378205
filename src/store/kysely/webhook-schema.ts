// Table shapes of webhook endpoints and deliveries (migration 041).
export interface WebhookEndpointsTable {
  id: string;
  url: string;
  name: string;
  description: string;
  enabled_events: string;
  state: string;
  disabled_reason: string;
  signing_secret: string;
  consecutive_failures: number;
  created_at: string;
  updated_at: string;
}

export interface WebhookDeliveriesTable {
  id: string;
  event_id: string;
  endpoint_id: string;
  body: string;
  state: string;
  attempts: number;
  next_attempt_at: string;
  lease_until: string | null;
  last_error: string | null;
  created_at: string;
  finished_at: string | null;
}

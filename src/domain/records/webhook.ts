// Webhook records: organization endpoints, and the outbox of deliveries (one per event and
// endpoint) written in the same transaction as the change that causes the event.

export interface WebhookEndpointRecord {
  id: string;
  url: string;
  name: string;
  description: string;
  enabledEvents: string[];
  state: 'enabled' | 'disabled';
  /** Why agentd disabled it (empty when enabled, or disabled by a client). */
  disabledReason: string;
  /** `whsec_…`: deliveries are signed with it; shown only on create and regenerate. */
  signingSecret: string;
  /** Deliveries that failed in a row (reset by any success); the endpoint is disabled at the limit. */
  consecutiveFailures: number;
  createdAt: string;
  updatedAt: string;
}

/** A webhook event before it is matched to endpoints: its envelope id, data type and exact body. */
export interface WebhookEventRecord {
  id: string;
  type: string;
  body: string;
}

export interface WebhookDeliveryRecord {
  id: string;
  eventId: string;
  endpointId: string;
  /** The exact JSON body: the bytes signed and sent on every attempt. */
  body: string;
  state: 'pending' | 'delivered' | 'failed' | 'dropped';
  attempts: number;
  nextAttemptAt: string;
  leaseUntil: string | null;
  lastError: string | null;
  createdAt: string;
  finishedAt: string | null;
}

// Webhook endpoint records → the wire `BetaOrganizationWebhookEndpoint` (the secret only where documented).
import type {
  BetaNewOrganizationWebhookEndpoint,
  BetaOrganizationWebhookEndpoint,
} from '@anthropic-ai/sdk/resources/beta/organization/webhooks.js';
import type { WebhookEndpointRecord } from '../../domain/records/webhook.js';

export function presentEndpoint(e: WebhookEndpointRecord): BetaOrganizationWebhookEndpoint {
  return {
    id: e.id,
    url: e.url,
    name: e.name,
    description: e.description,
    // agentd's event types are the SDK's webhook data types; the SDK types this field narrowly.
    enabled_events: e.enabledEvents as BetaOrganizationWebhookEndpoint['enabled_events'],
    state: e.state,
    disabled_reason: e.disabledReason,
    created_at: e.createdAt,
    updated_at: e.updatedAt,
  };
}

/** Only creation (and regeneration, separately) returns the signing secret. */
export function presentNewEndpoint(e: WebhookEndpointRecord): BetaNewOrganizationWebhookEndpoint {
  return { ...presentEndpoint(e), signing_secret: e.signingSecret };
}

// Which webhook events agentd emits, which session log events cause them, and their thin payload
// ({type: 'event', id, created_at, data: {type, id, organization_id, workspace_id}}).
import type { WebhookEventRecord } from './records/webhook.js';

/** The organization id in payloads: one agentd installation is one organization. */
export const ORGANIZATION_ID = 'org_agentd';

/** Every `data.type` agentd emits (an endpoint may subscribe to these only). */
export const EMITTED_WEBHOOK_TYPES = [
  'session.created',
  'session.status_scheduled',
  'session.updated',
  'session.archived',
  'session.deleted',
  'session.running',
  'session.status_run_started',
  'session.idled',
  'session.status_idled',
  'session.requires_action',
  'session.budget_reached',
  'session.pending',
  'session.status_rescheduled',
  'session.status_terminated',
  'session.thread_created',
  'session.thread_idled',
  'session.thread_terminated',
  'session.outcome_evaluation_ended',
  'agent.created',
  'agent.updated',
  'agent.archived',
  'environment.created',
  'environment.updated',
  'environment.archived',
  'environment.deleted',
  'vault.created',
  'vault.archived',
  'vault.deleted',
  'vault_credential.created',
  'vault_credential.archived',
  'vault_credential.deleted',
  'memory_store.created',
  'memory_store.archived',
  'memory_store.deleted',
  'deployment.created',
  'deployment.updated',
  'deployment.paused',
  'deployment.unpaused',
  'deployment.archived',
  'deployment_run.started',
  'deployment_run.succeeded',
  'deployment_run.failed',
] as const;
export type WebhookType = (typeof EMITTED_WEBHOOK_TYPES)[number];

/**
 * Types the SDK knows that agentd never emits, with why (refused when subscribing, so a
 * subscription never silently waits for an event that cannot happen).
 */
export const UNEMITTED_WEBHOOK_TYPES: Record<string, string> = {
  'agent.deleted': 'agents cannot be deleted',
  'deployment.deleted': 'deployments cannot be deleted',
  'vault_credential.refresh_failed': 'a failed MCP OAuth refresh is reported as a session.error of the session that needed it',
  'external_key.failed': 'external keys are not implemented',
  'external_key.recovered': 'external keys are not implemented',
  'user_profile.enforcement_action_opened': 'user profiles are not implemented',
  'user_profile.enforcement_action_resolved': 'user profiles are not implemented',
  'user_profile.program_status_updated': 'user profiles are not implemented',
};

/** The webhook types a session log event causes (a separate namespace from the SSE types). */
export function webhookTypesFor(event: { type: string; body: unknown }): WebhookType[] {
  switch (event.type) {
    case 'session.status_running':
      return ['session.status_run_started', 'session.running'];
    case 'session.status_idle': {
      const stop = (event.body as { stop_reason?: { type?: string } }).stop_reason?.type;
      if (stop === 'requires_action') return ['session.status_idled', 'session.idled', 'session.requires_action'];
      if (stop === 'budget_reached') return ['session.status_idled', 'session.idled', 'session.budget_reached'];
      return ['session.status_idled', 'session.idled'];
    }
    case 'session.status_rescheduled':
      return ['session.status_rescheduled', 'session.pending'];
    case 'session.status_terminated':
      return ['session.status_terminated'];
    case 'session.thread_created':
      return ['session.thread_created'];
    case 'session.thread_status_idle':
      return ['session.thread_idled'];
    case 'session.thread_status_terminated':
      return ['session.thread_terminated'];
    case 'span.outcome_evaluation_end':
      return ['session.outcome_evaluation_ended'];
    default:
      return [];
  }
}

/** One webhook event with its exact body; `createdAt` is when the state transition happened. */
export function webhookEvent(
  id: string,
  type: WebhookType,
  resourceId: string,
  workspaceId: string,
  createdAt: string,
): WebhookEventRecord {
  const body = {
    type: 'event',
    id,
    created_at: createdAt,
    data: { type, id: resourceId, organization_id: ORGANIZATION_ID, workspace_id: workspaceId },
  };
  return { id, type, body: JSON.stringify(body) };
}

// Writes a resource change's webhook events to the outbox, inside the transaction of the change.
import { newId } from '../../api/ids.js';
import { webhookEvent, type WebhookType } from '../../domain/webhook-events.js';
import type { Store } from '../../store/types.js';

export async function emitWebhook(tx: Store, type: WebhookType, resourceId: string, workspaceId: string, at: string): Promise<void> {
  await tx.webhooks.enqueue([webhookEvent(newId('event'), type, resourceId, workspaceId, at)], at, () => newId('whdel'));
}

// Request schemas for /v1/organizations/webhooks.
import { z } from 'zod';

const eventTypes = z.array(z.string().min(1)).max(100);

export const webhookCreateSchema = z.strictObject({
  url: z.string().min(1).max(2048),
  enabled_events: eventTypes.min(1),
  name: z.string().max(256).optional(),
  description: z.string().max(2048).optional(),
});
export type WebhookCreateInput = z.infer<typeof webhookCreateSchema>;

export const webhookUpdateSchema = z.strictObject({
  url: z.string().min(1).max(2048).optional(),
  enabled_events: eventTypes.optional(),
  name: z.string().max(256).optional(),
  description: z.string().max(2048).optional(),
  state: z.enum(['enabled', 'disabled']).optional(),
});
export type WebhookUpdateInput = z.infer<typeof webhookUpdateSchema>;

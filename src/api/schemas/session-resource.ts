// Request schemas for /v1/sessions/{id}/resources (add attaches files only, as the SDK types it).
import { z } from 'zod';

export const resourceAddSchema = z.strictObject({
  type: z.literal('file'),
  file_id: z.string().min(1),
  mount_path: z.string().nullish(),
});
export type ResourceAddInput = z.infer<typeof resourceAddSchema>;

export const resourceUpdateSchema = z.strictObject({
  authorization_token: z.string().min(1),
});
export type ResourceUpdateInput = z.infer<typeof resourceUpdateSchema>;

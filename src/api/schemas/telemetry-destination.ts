// Request schemas for /v1/organizations/telemetry_destinations (rules beyond shape: commands/telemetry-destinations.ts).
import { z } from 'zod';

const contentMode = z.enum(['metadata_only', 'content']);
const workspaces = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('all') }),
  z.strictObject({ type: z.literal('include'), workspace_ids: z.array(z.string()).max(100).optional() }),
  z.strictObject({ type: z.literal('exclude'), workspace_ids: z.array(z.string()).max(100).optional() }),
]);
const traces = z.strictObject({
  content_mode: contentMode.nullable().optional(),
  enabled: z.boolean().optional(),
  endpoint_url: z.string().min(1).max(2048).nullable().optional(),
  max_content_bytes: z.number().int().min(1).nullable().optional(),
});

export const telemetryDestinationCreateSchema = z.strictObject({
  endpoint_url: z.string().min(1).max(2048),
  workspaces,
  display_name: z.string().min(1).max(255).nullable().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  traces: traces.optional(),
});
export type TelemetryDestinationCreateInput = z.infer<typeof telemetryDestinationCreateSchema>;

export const telemetryDestinationUpdateSchema = z.strictObject({
  display_name: z.string().min(1).max(255).nullable().optional(),
  endpoint_url: z.string().min(1).max(2048).optional(),
  headers: z.record(z.string(), z.string().nullable()).optional(),
  state: z.strictObject({ type: z.enum(['enabled', 'disabled']) }).optional(),
  traces: traces.nullable().optional(),
  workspaces: workspaces.optional(),
});
export type TelemetryDestinationUpdateInput = z.infer<typeof telemetryDestinationUpdateSchema>;

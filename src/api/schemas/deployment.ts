// Request schemas for /v1/deployments.
import { z } from 'zod';
import { metadataPatchSchema, metadataSchema, versionNumber } from './common.js';
import { defineOutcomeEvent, systemMessageEvent, userMessageEvent } from './event.js';
import { budgetParam, sessionResourceParam } from './session.js';

const agentParam = z.union([
  z.string().min(1),
  z.strictObject({ type: z.literal('agent'), id: z.string().min(1), version: versionNumber.optional() }),
]);
export type DeploymentAgentParam = z.infer<typeof agentParam>;

const scheduleParam = z.strictObject({
  type: z.literal('cron'),
  expression: z.string().min(1).max(256),
  timezone: z.string().min(1).max(64),
});

const initialEvents = z
  .array(z.discriminatedUnion('type', [userMessageEvent, defineOutcomeEvent, systemMessageEvent]))
  .min(1)
  .max(100)
  .refine((events) => events.some((e) => e.type === 'user.message'), {
    message: 'must contain the starting user.message event',
  });

export const deploymentCreateSchema = z.strictObject({
  name: z.string().min(1).max(256),
  description: z.string().max(2048).nullish(),
  agent: agentParam,
  environment_id: z.string().min(1),
  initial_events: initialEvents,
  metadata: metadataSchema.optional(),
  resources: z.array(sessionResourceParam).max(1000).optional(),
  schedule: scheduleParam.nullish(),
  vault_ids: z.array(z.string().min(1)).optional(),
  budget: budgetParam.nullish(),
});
export type DeploymentCreateInput = z.infer<typeof deploymentCreateSchema>;
export type DeploymentInitialEvent = DeploymentCreateInput['initial_events'][number];

export const deploymentUpdateSchema = z.strictObject({
  name: z.string().min(1).max(256).optional(),
  description: z.string().max(2048).nullish(),
  agent: agentParam.optional(),
  environment_id: z.string().min(1).optional(),
  initial_events: initialEvents.optional(),
  metadata: metadataPatchSchema.nullish(),
  resources: z.array(sessionResourceParam).max(1000).nullish(),
  schedule: scheduleParam.nullish(),
  vault_ids: z.array(z.string().min(1)).nullish(),
  budget: budgetParam.nullish(),
});
export type DeploymentUpdateInput = z.infer<typeof deploymentUpdateSchema>;

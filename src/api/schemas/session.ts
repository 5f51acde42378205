// Request schemas for /v1/sessions.
import { z } from 'zod';
import { metadataPatchSchema, metadataSchema, versionNumber } from './common.js';
import { mcpServerParam, modelParam, skillParam, toolParam } from './agent.js';
import { defineOutcomeEvent, userMessageEvent } from './event.js';
import { MEMORY_STORE_INSTRUCTIONS_MAX } from './memory-store.js';

const agentVersion = versionNumber;

export const sessionAgentParam = z.union([
  z.string().min(1),
  z.strictObject({ type: z.literal('agent'), id: z.string().min(1), version: agentVersion.optional() }),
  z.strictObject({
    type: z.literal('agent_with_overrides'),
    id: z.string().min(1),
    version: agentVersion.optional(),
    model: modelParam.optional(),
    system: z.string().max(100_000).nullish(),
    tools: z.array(toolParam).max(128).optional(),
    mcp_servers: z.array(mcpServerParam).max(20).optional(),
    skills: z.array(skillParam).max(20).optional(),
  }),
]);
export type SessionAgentParam = z.infer<typeof sessionAgentParam>;

// Minor units as an integer decimal string ("2500" is $25.00), as BetaMonetaryAmount defines it; at most
// nine digits keeps nano-dollar arithmetic exact in a double.
export const budgetParam = z.strictObject({
  type: z.literal('limit'),
  max_list_cost: z.strictObject({
    amount: z.string().regex(/^(0|[1-9]\d{0,8})$/, 'must be an integer number of cents as a decimal string with no leading zeros, e.g. "2500" for $25.00 (at most 9 digits)'),
    currency: z.literal('USD'),
  }),
});

const fileResource = z.strictObject({
  type: z.literal('file'),
  file_id: z.string().min(1),
  mount_path: z.string().nullish(),
});
const githubResource = z.strictObject({
  type: z.literal('github_repository'),
  url: z.string().min(1),
  authorization_token: z.string().optional(),
  mount_path: z.string().nullish(),
  checkout: z
    .discriminatedUnion('type', [
      z.strictObject({ type: z.literal('branch'), name: z.string().min(1) }),
      z.strictObject({ type: z.literal('commit'), sha: z.string().min(1) }),
    ])
    .nullish(),
});
const memoryStoreResource = z.strictObject({
  type: z.literal('memory_store'),
  memory_store_id: z.string().min(1),
  access: z.enum(['read_write', 'read_only']).nullish(),
  instructions: z.string().max(MEMORY_STORE_INSTRUCTIONS_MAX).nullish(),
});
export const sessionResourceParam = z.discriminatedUnion('type', [fileResource, githubResource, memoryStoreResource]);

export const sessionCreateSchema = z.strictObject({
  agent: sessionAgentParam,
  environment_id: z.string().min(1),
  title: z.string().max(512).nullish(),
  metadata: metadataSchema.optional(),
  resources: z.array(sessionResourceParam).max(1000).optional(),
  vault_ids: z.array(z.string().min(1)).optional(),
  budget: budgetParam.optional(),
  initial_events: z.array(z.discriminatedUnion('type', [userMessageEvent, defineOutcomeEvent])).optional(),
});
export type SessionCreateInput = z.infer<typeof sessionCreateSchema>;

export const sessionUpdateSchema = z.strictObject({
  title: z.string().max(512).nullish(),
  metadata: metadataPatchSchema.nullish(),
  agent: z
    .strictObject({
      tools: z.array(toolParam).max(128).optional(),
      mcp_servers: z.array(mcpServerParam).max(20).optional(),
    })
    .optional(),
  vault_ids: z.array(z.string().min(1)).optional(),
  budget: budgetParam.nullish(),
});
export type SessionUpdateInput = z.infer<typeof sessionUpdateSchema>;

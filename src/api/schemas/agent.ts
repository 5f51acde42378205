// Request schemas for /v1/agents, with the documented limits.
import { z } from 'zod';
import { metadataPatchSchema, metadataSchema, versionNumber } from './common.js';

export const AGENT_NAME_MAX = 256;
export const AGENT_DESCRIPTION_MAX = 2048;
export const AGENT_SYSTEM_MAX = 100_000;
export const AGENT_TOOLS_MAX = 128;
export const AGENT_SKILLS_MAX = 20;
export const AGENT_MCP_SERVERS_MAX = 20;

export const BUILT_IN_TOOL_NAMES = ['bash', 'read', 'write', 'edit', 'glob', 'grep', 'web_fetch', 'web_search'] as const;
export type BuiltInToolName = (typeof BUILT_IN_TOOL_NAMES)[number];

export const permissionPolicy = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('always_allow') }),
  z.strictObject({ type: z.literal('always_ask') }),
  z.strictObject({ type: z.literal('auto') }),
]);

const effortLevel = z.enum(['low', 'medium', 'high', 'xhigh', 'max']);

export const modelParam = z.union([
  z.string().min(1),
  z.strictObject({
    id: z.string().min(1),
    speed: z.enum(['standard', 'fast']).nullish(),
    effort: z.union([effortLevel, z.strictObject({ type: effortLevel })]).nullish(),
    inference_geo: z.string().nullish(),
  }),
]);

const urlSourceFilter = z.union([
  z.enum(['all', 'none']),
  z.strictObject({ type: z.literal('all') }),
  z.strictObject({ type: z.literal('none') }),
  z.strictObject({
    type: z.enum(['only', 'except']),
    tools: z.array(z.strictObject({ type: z.literal('tool_reference'), name: z.string() })),
  }),
]);

const toolConfigCommon = {
  enabled: z.boolean().nullish(),
  permission_policy: permissionPolicy.nullish(),
};

const simpleToolConfig = (name: BuiltInToolName) =>
  z.strictObject({ name: z.literal(name), type: z.literal(name).optional(), ...toolConfigCommon });

export const agentToolConfigParam = z.discriminatedUnion('name', [
  simpleToolConfig('bash'),
  simpleToolConfig('read'),
  simpleToolConfig('write'),
  simpleToolConfig('edit'),
  simpleToolConfig('glob'),
  simpleToolConfig('grep'),
  z.strictObject({
    name: z.literal('web_fetch'),
    type: z.literal('web_fetch').optional(),
    ...toolConfigCommon,
    allowed_domains: z.array(z.string()).optional(),
    blocked_domains: z.array(z.string()).optional(),
    max_content_tokens: z.number().int().positive().nullish(),
    url_sources: z
      .strictObject({
        client_tool_results: urlSourceFilter.nullish(),
        server_tool_results: urlSourceFilter.nullish(),
        user_input: z
          .union([z.enum(['all', 'none']), z.strictObject({ type: z.enum(['all', 'none']) })])
          .nullish(),
      })
      .nullish(),
  }),
  z.strictObject({
    name: z.literal('web_search'),
    type: z.literal('web_search').optional(),
    ...toolConfigCommon,
    allowed_domains: z.array(z.string()).optional(),
    blocked_domains: z.array(z.string()).optional(),
    user_location: z
      .strictObject({
        type: z.literal('approximate'),
        city: z.string().nullish(),
        country: z.string().nullish(),
        region: z.string().nullish(),
        timezone: z.string().nullish(),
      })
      .nullish(),
  }),
]);

const defaultConfig = z.strictObject(toolConfigCommon).nullish();

export const agentToolsetParam = z.strictObject({
  type: z.literal('agent_toolset_20260401'),
  default_config: defaultConfig,
  configs: z.array(agentToolConfigParam).optional(),
});

export const mcpToolsetParam = z.strictObject({
  type: z.literal('mcp_toolset'),
  mcp_server_name: z.string().min(1),
  default_config: defaultConfig,
  configs: z.array(z.strictObject({ name: z.string().min(1), ...toolConfigCommon })).optional(),
});

export const customToolParam = z.strictObject({
  type: z.literal('custom'),
  name: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[a-zA-Z0-9_-]+$/, 'tool names may contain only letters, digits, "_" and "-"'),
  description: z.string().max(1024),
  input_schema: z.looseObject({
    type: z.literal('object'),
    properties: z.record(z.string(), z.unknown()).nullish(),
    required: z.array(z.string()).nullish(),
  }),
});

export const toolParam = z.discriminatedUnion('type', [agentToolsetParam, mcpToolsetParam, customToolParam]);

export const mcpServerParam = z.strictObject({
  type: z.literal('url'),
  name: z.string().min(1).max(128),
  url: z.string().url(),
});

export const skillParam = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('anthropic'), skill_id: z.string().min(1), version: z.string().nullish() }),
  z.strictObject({ type: z.literal('custom'), skill_id: z.string().min(1), version: z.string().nullish() }),
]);

export const executionIdentityParam = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('aws_role'), role_arn: z.string().min(1) }),
  z.strictObject({ type: z.literal('service_account') }),
]);

const rosterEntry = z.union([
  z.string().min(1),
  z.strictObject({ type: z.literal('agent'), id: z.string().min(1), version: versionNumber.optional() }),
  z.strictObject({ type: z.literal('self') }),
  z.strictObject({ type: z.literal('advisor'), model: z.string().min(1) }),
]);

const toggle = <T extends z.ZodRawShape>(enabled: T) =>
  z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('enabled'), ...enabled }),
    z.strictObject({ type: z.literal('disabled') }),
  ]);
const inlineAgents = toggle({});
const agentPool = toggle({
  inline_agents: inlineAgents.nullish(),
  predefined_agents: z.array(rosterEntry).nullish(),
});

export const multiagentParam = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('coordinator'), agents: z.array(rosterEntry).min(1).max(20) }),
  z.strictObject({
    type: z.literal('multiagent_20261001'),
    advisor: toggle({ model: z.string().min(1) }).nullish(),
    subagents: agentPool.nullish(),
    workflows: agentPool.nullish(),
  }),
]);

const name = z.string().min(1).max(AGENT_NAME_MAX);
const description = z.string().max(AGENT_DESCRIPTION_MAX).nullish();
const system = z.string().max(AGENT_SYSTEM_MAX).nullish();
const tools = z.array(toolParam).max(AGENT_TOOLS_MAX);
const skills = z.array(skillParam).max(AGENT_SKILLS_MAX);
const mcpServers = z
  .array(mcpServerParam)
  .max(AGENT_MCP_SERVERS_MAX)
  .refine((servers) => new Set(servers.map((s) => s.name)).size === servers.length, {
    message: 'MCP server names must be unique',
  });

export const agentCreateSchema = z.strictObject({
  name,
  model: modelParam,
  description,
  system,
  tools: tools.optional(),
  skills: skills.optional(),
  mcp_servers: mcpServers.optional(),
  metadata: metadataSchema.optional(),
  multiagent: multiagentParam.nullish(),
  execution_identity: executionIdentityParam.nullish(),
});
export type AgentCreateInput = z.infer<typeof agentCreateSchema>;

export const agentUpdateSchema = z.strictObject({
  version: versionNumber.optional(),
  name: name.optional(),
  model: modelParam.optional(),
  description,
  system,
  tools: tools.nullish(),
  skills: skills.nullish(),
  mcp_servers: mcpServers.nullish(),
  metadata: metadataPatchSchema.nullish(),
  multiagent: multiagentParam.nullish(),
  execution_identity: executionIdentityParam.nullish(),
});
export type AgentUpdateInput = z.infer<typeof agentUpdateSchema>;

export type ToolParam = z.infer<typeof toolParam>;
export type McpServerParam = z.infer<typeof mcpServerParam>;
export type ModelParam = z.infer<typeof modelParam>;
export type SkillParam = z.infer<typeof skillParam>;
export type MultiagentParam = z.infer<typeof multiagentParam>;

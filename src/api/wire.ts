// Wire types, re-exported from the pinned @anthropic-ai/sdk so no shape is ever hand-copied.
export type {
  BetaManagedAgentsAgent as Agent,
  BetaManagedAgentsModelConfig as ModelConfig,
  BetaManagedAgentsAgentToolset20260401 as AgentToolset,
  BetaManagedAgentsMCPToolset as McpToolset,
  BetaManagedAgentsCustomTool as CustomTool,
  BetaManagedAgentsAgentToolConfig as AgentToolConfig,
  BetaManagedAgentsMCPServerURLDefinition as McpServer,
  BetaManagedAgentsAnthropicSkill as AnthropicSkill,
  BetaManagedAgentsCustomSkill as CustomSkill,
  BetaManagedAgentsExecutionIdentity as ExecutionIdentity,
  AgentCreateParams,
  AgentUpdateParams,
} from '@anthropic-ai/sdk/resources/beta/agents/agents.js';
export type {
  BetaEnvironment as Environment,
  BetaCloudConfig as CloudConfig,
  BetaSelfHostedConfig as SelfHostedConfig,
  EnvironmentCreateParams,
  EnvironmentUpdateParams,
} from '@anthropic-ai/sdk/resources/beta/environments/environments.js';
export type {
  BetaManagedAgentsSession as Session,
  BetaManagedAgentsSessionAgent as SessionAgent,
  BetaManagedAgentsSessionUsage as SessionUsage,
  BetaManagedAgentsOutcomeEvaluationResource as OutcomeEvaluation,
  BetaManagedAgentsDeletedSession as DeletedSession,
  SessionCreateParams,
  SessionUpdateParams,
} from '@anthropic-ai/sdk/resources/beta/sessions/sessions.js';
export type {
  BetaManagedAgentsSessionEvent as SessionEvent,
  BetaManagedAgentsEventParams as EventParams,
  BetaManagedAgentsSessionEventType as SessionEventType,
} from '@anthropic-ai/sdk/resources/beta/sessions/events.js';
export type {
  BetaManagedAgentsSessionResource as SessionResource,
} from '@anthropic-ai/sdk/resources/beta/sessions/resources.js';
export type { BetaFileMetadata as FileMetadata } from '@anthropic-ai/sdk/resources/beta/files.js';

// Which tools an agent offers and how each call is cleared: the permission policy of every
// enabled built-in tool, and the names of custom tools (answered by the client).
import type { AgentToolConfig, SessionAgent } from '../api/wire.js';
import { BUILT_IN_TOOL_NAMES, type BuiltInToolName } from '../api/schemas/agent.js';
import type { WireEvent } from './records/event.js';

export type PermissionPolicy = AgentToolConfig['permission_policy']['type'];
export type EvaluatedPermission = NonNullable<WireEvent<'agent.tool_use'>['evaluated_permission']>;

export interface ToolPolicies {
  /** Enabled built-in tools, in the toolset's order, with their permission policy. */
  builtins: Map<BuiltInToolName, PermissionPolicy>;
  customNames: Set<string>;
  /** The coordinator's call_agent is offered (multi-agent sessions, primary thread only). */
  delegate?: boolean | undefined;
}

export function toolPolicies(agent: Pick<SessionAgent, 'tools'>): ToolPolicies {
  const builtins = new Map<BuiltInToolName, PermissionPolicy>();
  const customNames = new Set<string>();
  for (const tool of agent.tools) {
    if (tool.type === 'agent_toolset_20260401') {
      for (const name of BUILT_IN_TOOL_NAMES) {
        const config = tool.configs.find((c) => c.name === name);
        if (!(config?.enabled ?? tool.default_config.enabled)) continue;
        builtins.set(name, (config?.permission_policy ?? tool.default_config.permission_policy).type);
      }
    } else if (tool.type === 'custom') {
      customNames.add(tool.name);
    }
    // mcp_toolset: MCP servers arrive with vaults; until then their tools are not offered.
  }
  return { builtins, customNames };
}

/**
 * always_allow runs; always_ask waits for user.tool_confirmation. `auto` needs a permission
 * classifier the hosted platform has and agentd does not, so it asks (the safe side). A tool the
 * agent does not enable is denied.
 */
export function evaluatePermission(policy: PermissionPolicy | undefined): EvaluatedPermission {
  if (policy === undefined) return 'deny';
  return policy === 'always_allow' ? 'allow' : 'ask';
}

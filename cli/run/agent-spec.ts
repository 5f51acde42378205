// What the default agent should look like for a run's flags, and whether a stored agent already does.
import type {
  AgentCreateParams,
  BetaManagedAgentsAgent,
  BetaManagedAgentsAgentToolConfigParams,
} from '@anthropic-ai/sdk/resources/beta/agents/agents.js';
import { BUILT_IN_TOOL_NAMES, type BuiltInToolName } from '../../src/api/schemas/agent.js';
import type { RunOptions } from './args.js';

export const DEFAULT_NAME = 'agentd-default';

type Policy = 'always_allow' | 'always_ask' | 'auto';

/** The effective settings compared across runs: model id, system prompt, tool → policy (enabled ones). */
export interface AgentSpec {
  model: string;
  system: string | null;
  tools: ReadonlyMap<BuiltInToolName, Policy>;
}

export function specFromOptions(opts: Pick<RunOptions, 'model' | 'system' | 'tools' | 'ask'>): AgentSpec {
  const tools = new Map<BuiltInToolName, Policy>();
  for (const name of opts.tools) tools.set(name, opts.ask.includes(name) ? 'always_ask' : 'always_allow');
  return { model: opts.model, system: opts.system ?? null, tools };
}

/** Reads the effective spec of a stored agent; undefined if it carries anything else (custom/MCP tools). */
export function specOfAgent(agent: BetaManagedAgentsAgent): AgentSpec | undefined {
  const tools = new Map<BuiltInToolName, Policy>();
  for (const tool of agent.tools) {
    if (tool.type !== 'agent_toolset_20260401') return undefined;
    for (const name of BUILT_IN_TOOL_NAMES) {
      const config = tool.configs.find((c) => c.name === name);
      if (!(config?.enabled ?? tool.default_config.enabled)) continue;
      tools.set(name, (config?.permission_policy ?? tool.default_config.permission_policy).type);
    }
  }
  return { model: agent.model.id, system: agent.system, tools };
}

export function sameSpec(a: AgentSpec, b: AgentSpec): boolean {
  if (a.model !== b.model || a.system !== b.system || a.tools.size !== b.tools.size) return false;
  for (const [name, policy] of a.tools) if (b.tools.get(name) !== policy) return false;
  return true;
}

/** Request fields for create/update: every tool spelled out, so the result does not depend on server defaults. */
export function agentParams(spec: AgentSpec): Pick<AgentCreateParams, 'model' | 'system' | 'tools'> {
  const configs = BUILT_IN_TOOL_NAMES.map((name) => {
    const policy = spec.tools.get(name);
    return (
      policy === undefined ? { name, enabled: false } : { name, enabled: true, permission_policy: { type: policy } }
    ) as BetaManagedAgentsAgentToolConfigParams;
  });
  return {
    model: spec.model,
    system: spec.system,
    tools: [{ type: 'agent_toolset_20260401', configs }],
  };
}

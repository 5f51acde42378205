// Which tools a session's agent offers the model, with their permission policies.
import type { BetaToolUnion } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import { betaAgentToolset20260401 } from '@anthropic-ai/sdk/tools/agent-toolset/node';
import type { SessionAgent } from '../../api/wire.js';
import { BUILT_IN_TOOL_NAMES, type BuiltInToolName } from '../../api/schemas/agent.js';

type Policy = 'always_allow' | 'always_ask' | 'auto';

export interface ResolvedToolset {
  /** Enabled built-in tools and their permission policy. */
  builtins: Map<BuiltInToolName, Policy>;
  customNames: Set<string>;
  /** Tool definitions for the Messages API request, in a stable order (cache-friendly). */
  definitions: BetaToolUnion[];
}

/** Definitions of the SDK's own toolset (name, description, schema); their run() is not used here. */
const SDK_DEFINITIONS: Map<string, BetaToolUnion> = new Map(
  betaAgentToolset20260401({ workdir: '/' }).map((t) => {
    const { name, description, input_schema } = t as unknown as { name: string; description?: string; input_schema: unknown };
    return [name, { name, ...(description ? { description } : {}), input_schema } as BetaToolUnion];
  }),
);

const WEB_DEFINITIONS: Record<'web_fetch' | 'web_search', BetaToolUnion> = {
  web_fetch: {
    name: 'web_fetch',
    description: 'Fetch the content of a URL.',
    input_schema: { type: 'object', properties: { url: { type: 'string' } }, required: ['url'] },
  },
  web_search: {
    name: 'web_search',
    description: 'Search the web.',
    input_schema: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] },
  },
};

export function builtinDefinition(name: BuiltInToolName): BetaToolUnion {
  return name === 'web_fetch' || name === 'web_search' ? WEB_DEFINITIONS[name] : SDK_DEFINITIONS.get(name)!;
}

export function resolveToolset(agent: SessionAgent): ResolvedToolset {
  const builtins = new Map<BuiltInToolName, Policy>();
  const customNames = new Set<string>();
  const definitions: BetaToolUnion[] = [];
  for (const tool of agent.tools) {
    if (tool.type === 'agent_toolset_20260401') {
      for (const name of BUILT_IN_TOOL_NAMES) {
        const config = tool.configs.find((c) => c.name === name);
        const enabled = config?.enabled ?? tool.default_config.enabled;
        if (!enabled) continue;
        builtins.set(name, (config?.permission_policy ?? tool.default_config.permission_policy).type);
        definitions.push(builtinDefinition(name));
      }
    } else if (tool.type === 'custom') {
      customNames.add(tool.name);
      definitions.push({ name: tool.name, description: tool.description, input_schema: tool.input_schema } as BetaToolUnion);
    }
    // mcp_toolset: MCP servers arrive with vaults; until then their tools are not offered.
  }
  return { builtins, customNames, definitions };
}

/**
 * always_allow runs; always_ask waits for user.tool_confirmation. `auto` needs a permission
 * classifier the hosted platform has and agentd does not, so it asks (the safe side).
 */
export function evaluatePermission(policy: Policy | undefined): 'allow' | 'ask' | 'deny' {
  if (policy === undefined) return 'deny';
  return policy === 'always_allow' ? 'allow' : 'ask';
}

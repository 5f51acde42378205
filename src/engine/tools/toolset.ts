// Which tools a session's agent offers the model: their definitions for the Messages API request,
// and (from domain/permissions.ts) their permission policies.
import type { BetaToolUnion } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import { betaAgentToolset20260401 } from '@anthropic-ai/sdk/tools/agent-toolset/node';
import type { SessionAgent } from '../../api/wire.js';
import type { BuiltInToolName } from '../../api/schemas/agent.js';
import { toolPolicies, type ToolPolicies } from '../../domain/permissions.js';
import { callAgentTool, type RosterAgent } from '../../domain/delegation.js';
import type { McpToolInfo } from '../../domain/mcp-tools.js';
import { webFetchDefinition, webSearchDefinition, type WebFetchConfig, type WebSearchConfig, type WebToolPlan } from '../../domain/web-tools.js';

export interface ResolvedToolset {
  policies: ToolPolicies;
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

/** Where nothing says otherwise, the web tools are agentd's own (web_search answers that it is not available). */
const AGENTD_WEB: WebToolPlan = { webSearch: 'none', webFetch: 'agentd' };

/**
 * `web`: which web tools the provider runs as server tools (domain/web-tools.ts).
 * `roster`: the coordinator's, when this thread may delegate (the primary thread of a multi-agent
 * session). `mcpListed`: the tools each reachable MCP server listed; enabled ones follow the agent's other tools.
 */
export function resolveToolset(
  agent: SessionAgent,
  opts: {
    roster?: readonly RosterAgent[] | undefined;
    mcpListed?: ReadonlyMap<string, readonly McpToolInfo[]> | undefined;
    web?: WebToolPlan | undefined;
  } = {},
): ResolvedToolset {
  const web = opts.web ?? AGENTD_WEB;
  const roster = opts.roster;
  const policies: ToolPolicies = { ...toolPolicies(agent, opts.mcpListed ?? new Map()), delegate: roster !== undefined && roster.length > 0 };
  const definitions: BetaToolUnion[] = [];
  if (policies.delegate) definitions.push(callAgentTool(roster!) as BetaToolUnion);
  for (const tool of agent.tools) {
    if (tool.type === 'agent_toolset_20260401') {
      for (const name of policies.builtins.keys()) {
        if (name === 'web_search' && web.webSearch === 'provider') {
          definitions.push(webSearchDefinition(tool.configs.find((c): c is WebSearchConfig => c.name === 'web_search')));
        } else if (name === 'web_fetch' && web.webFetch === 'provider') {
          definitions.push(webFetchDefinition(tool.configs.find((c): c is WebFetchConfig => c.name === 'web_fetch')));
        } else {
          definitions.push(builtinDefinition(name));
        }
      }
    } else if (tool.type === 'custom') {
      definitions.push({ name: tool.name, description: tool.description, input_schema: tool.input_schema } as BetaToolUnion);
    }
  }
  for (const [name, ref] of policies.mcp) {
    definitions.push({
      name,
      description: ref.info.description ?? `${ref.tool} (MCP server ${ref.server})`,
      input_schema: { type: 'object', ...ref.info.inputSchema },
    } as BetaToolUnion);
  }
  return { policies, definitions };
}

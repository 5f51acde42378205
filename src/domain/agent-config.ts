// Turns agent request params into the stored, fully-defaulted wire shape, and checks the
// rules that span several fields.
import type { AgentCreateInput, AgentUpdateInput, SkillParam, ToolParam } from '../api/schemas/agent.js';
import type { Agent, AgentToolConfig, CustomTool } from '../api/wire.js';
import type { AgentSnapshot } from './records/agent.js';
import { invalidRequest } from '../errors.js';
import { applyMetadataPatch } from './metadata.js';
import { resolveModelConfig, type ProviderName } from './model-settings.js';
import { checkWebToolsForProvider } from './web-tools.js';

type Policy = AgentToolConfig['permission_policy'];
const DEFAULT_POLICY: Policy = { type: 'always_allow' };
/** MCP tools ask by default (as documented): a server may add tools the agent's author never saw. */
const MCP_DEFAULT_POLICY: Policy = { type: 'always_ask' };

function dropNullish<T extends Record<string, unknown>>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined)) as T;
}

export function normalizeTools(tools: readonly ToolParam[]): Agent['tools'] {
  return tools.map((tool): Agent['tools'][number] => {
    switch (tool.type) {
      case 'agent_toolset_20260401': {
        const enabled = tool.default_config?.enabled ?? true;
        const policy = tool.default_config?.permission_policy ?? DEFAULT_POLICY;
        return {
          type: tool.type,
          default_config: { enabled, permission_policy: policy },
          configs: (tool.configs ?? []).map((c) => {
            const base = {
              ...dropNullish(c),
              type: c.name,
              enabled: c.enabled ?? enabled,
              permission_policy: c.permission_policy ?? policy,
            };
            return (c.name === 'web_fetch' ? { url_sources: null, ...base } : base) as AgentToolConfig;
          }),
        };
      }
      case 'mcp_toolset': {
        const enabled = tool.default_config?.enabled ?? true;
        const policy = tool.default_config?.permission_policy ?? MCP_DEFAULT_POLICY;
        return {
          type: tool.type,
          mcp_server_name: tool.mcp_server_name,
          default_config: { enabled, permission_policy: policy },
          configs: (tool.configs ?? []).map((c) => ({
            name: c.name,
            enabled: c.enabled ?? enabled,
            permission_policy: c.permission_policy ?? policy,
          })),
        };
      }
      case 'custom':
        return { ...tool } as CustomTool;
    }
  });
}

export function normalizeSkills(skills: readonly SkillParam[]): Agent['skills'] {
  return skills.map((s) => ({ type: s.type, skill_id: s.skill_id, version: s.version ?? 'latest' }));
}

/** allowed_domains / blocked_domains as the SDK documents them: not both, 1-64 plain hostnames (web_search also takes a path suffix). */
function checkDomainFilters(c: { allowed_domains?: string[] | undefined; blocked_domains?: string[] | undefined }, at: string, pathSuffix: boolean): void {
  if (c.allowed_domains && c.blocked_domains) throw invalidRequest(`${at}.allowed_domains: cannot be combined with blocked_domains`);
  for (const key of ['allowed_domains', 'blocked_domains'] as const) {
    const list = c[key];
    if (!list) continue;
    if (list.length === 0) throw invalidRequest(`${at}.${key}: must not be empty (omit the field instead)`);
    if (list.length > 64) throw invalidRequest(`${at}.${key}: at most 64 entries`);
    list.forEach((d, i) => {
      const host = pathSuffix ? d.split('/')[0]! : d;
      if (!/^[a-z0-9.-]+$/i.test(host) || host.startsWith('.') || host.endsWith('.')) {
        throw invalidRequest(`${at}.${key}[${i}]: "${d}" is not a plain hostname (no scheme or port${pathSuffix ? '' : ' or path'})`);
      }
    });
  }
}

/**
 * web_fetch's filters. `url_sources` (which earlier results may supply URLs) needs provenance
 * agentd's own web_fetch does not track, so a value other than the default is refused.
 */
function checkWebFetchConfig(c: { allowed_domains?: string[]; blocked_domains?: string[]; url_sources?: unknown }, at: string): void {
  if (c.url_sources !== null && c.url_sources !== undefined) {
    throw invalidRequest(`${at}.url_sources: not supported by agentd (every source may supply URLs); omit it or set it to null`);
  }
  checkDomainFilters(c, at, false);
}

/** Rules across fields: unique tool names, toolsets that point at declared MCP servers. */
export function checkAgentConsistency(s: Pick<AgentSnapshot, 'tools' | 'mcp_servers'>, field = 'tools'): void {
  const serverNames = new Set(s.mcp_servers.map((m) => m.name));
  const customNames = new Set<string>();
  const mcpToolsets = new Set<string>();
  let toolsets = 0;
  s.tools.forEach((tool, i) => {
    const at = `${field}[${i}]`;
    if (tool.type === 'agent_toolset_20260401') {
      if (++toolsets > 1) throw invalidRequest(`${at}: only one agent_toolset_20260401 entry is allowed`);
      const names = new Set<string>();
      tool.configs.forEach((c, j) => {
        if (names.has(c.name)) throw invalidRequest(`${at}.configs[${j}].name: "${c.name}" is configured twice`);
        names.add(c.name);
        if (c.name === 'web_fetch') checkWebFetchConfig(c, `${at}.configs[${j}]`);
        if (c.name === 'web_search') checkDomainFilters(c, `${at}.configs[${j}]`, true);
      });
    } else if (tool.type === 'mcp_toolset') {
      if (!serverNames.has(tool.mcp_server_name)) {
        throw invalidRequest(
          `${at}.mcp_server_name: no MCP server named "${tool.mcp_server_name}" is declared in mcp_servers`,
        );
      }
      if (mcpToolsets.has(tool.mcp_server_name)) {
        throw invalidRequest(`${at}.mcp_server_name: "${tool.mcp_server_name}" already has an mcp_toolset`);
      }
      mcpToolsets.add(tool.mcp_server_name);
    } else {
      if (customNames.has(tool.name)) {
        throw invalidRequest(`${at}.name: a custom tool named "${tool.name}" is already defined`, 'tool_name_conflict');
      }
      customNames.add(tool.name);
    }
  });
}

export function buildAgentSnapshot(input: AgentCreateInput, multiagent: AgentSnapshot['multiagent'], provider: ProviderName): AgentSnapshot {
  const snapshot: AgentSnapshot = {
    name: input.name,
    description: input.description ?? null,
    system: input.system ?? null,
    model: resolveModelConfig(input.model, provider),
    tools: normalizeTools(input.tools ?? []),
    skills: normalizeSkills(input.skills ?? []),
    mcp_servers: (input.mcp_servers ?? []).map((m) => ({ ...m })),
    metadata: { ...(input.metadata ?? {}) },
    multiagent,
    execution_identity: input.execution_identity ?? { type: 'service_account' },
  };
  checkAgentConsistency(snapshot);
  checkWebToolsForProvider(snapshot.tools, provider);
  return snapshot;
}

/** Omitted fields keep their value; null clears a field (or empties a list). */
export function applyAgentUpdate(
  current: AgentSnapshot,
  patch: AgentUpdateInput,
  multiagent: AgentSnapshot['multiagent'] | undefined,
  provider: ProviderName,
): AgentSnapshot {
  const next: AgentSnapshot = {
    ...current,
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.model !== undefined ? { model: resolveModelConfig(patch.model, provider, { previous: current.model }) } : {}),
    ...(patch.description !== undefined ? { description: patch.description } : {}),
    ...(patch.system !== undefined ? { system: patch.system } : {}),
    ...(patch.tools !== undefined ? { tools: normalizeTools(patch.tools ?? []) } : {}),
    ...(patch.skills !== undefined ? { skills: normalizeSkills(patch.skills ?? []) } : {}),
    ...(patch.mcp_servers !== undefined ? { mcp_servers: (patch.mcp_servers ?? []).map((m) => ({ ...m })) } : {}),
    ...(patch.execution_identity !== undefined
      ? { execution_identity: patch.execution_identity ?? { type: 'service_account' } }
      : {}),
    ...(multiagent !== undefined ? { multiagent } : {}),
    metadata: applyMetadataPatch(current.metadata, patch.metadata),
  };
  checkAgentConsistency(next);
  checkWebToolsForProvider(next.tools, provider);
  return next;
}

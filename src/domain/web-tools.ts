// Where the agent toolset's web tools run: as the Messages API's web search / web fetch server
// tools on providers that offer them, agentd's own web_fetch otherwise (web_search has no
// fallback, so an agent that enables it on such a provider is refused when saved). Also the
// server tool definitions built from the tools' configs.
import type { BetaToolUnion } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import type { Agent, AgentToolConfig } from '../api/wire.js';
import { invalidRequest } from '../errors.js';
import type { ProviderName } from './model-settings.js';
import type { PermissionPolicy } from './permissions.js';

/**
 * Anthropic server-side tools are a first-party Messages API feature; Bedrock, Vertex AI and
 * Foundry do not offer them (the Claude API reference, "cloud-provider access").
 */
export const PROVIDER_WEB_TOOLS: Record<ProviderName, { webSearch: boolean; webFetch: boolean }> = {
  anthropic: { webSearch: true, webFetch: true },
  bedrock: { webSearch: false, webFetch: false },
  vertex: { webSearch: false, webFetch: false },
  foundry: { webSearch: false, webFetch: false },
};

/**
 * The server tool versions agentd sends. The 2026 versions add dynamic filtering, which runs code
 * execution inside the call and returns code-execution blocks agentd does not map to events.
 */
export const WEB_SEARCH_TOOL_TYPE = 'web_search_20250305';
export const WEB_FETCH_TOOL_TYPE = 'web_fetch_20250910';

/** AGENTD_WEB_FETCH: `provider` uses the provider's server tool where offered; `agentd` always runs agentd's own. */
export type WebFetchRunner = 'provider' | 'agentd';

/** Where each enabled web tool of a session runs. */
export interface WebToolPlan {
  webSearch: 'provider' | 'none';
  webFetch: 'provider' | 'agentd';
}

/**
 * web_fetch runs in agentd when the operator says so, when it must wait for a confirmation (a
 * server tool runs inside the model call and cannot), and under `limited` networking (the
 * environment's allowed hosts bind only a fetch agentd makes).
 */
export function webToolPlan(
  provider: ProviderName,
  opts: { runner: WebFetchRunner; webFetchPolicy: PermissionPolicy | undefined; limitedNetworking: boolean },
): WebToolPlan {
  const offered = PROVIDER_WEB_TOOLS[provider];
  const fetchOnProvider = offered.webFetch && opts.runner === 'provider' && opts.webFetchPolicy === 'always_allow' && !opts.limitedNetworking;
  return { webSearch: offered.webSearch ? 'provider' : 'none', webFetch: fetchOnProvider ? 'provider' : 'agentd' };
}

export type WebSearchConfig = Extract<AgentToolConfig, { name: 'web_search' }>;
export type WebFetchConfig = Extract<AgentToolConfig, { name: 'web_fetch' }>;

const present = <T>(v: T | null | undefined): v is T => v !== null && v !== undefined;

/** The Messages API's web search tool for the agent's web_search config (its filters and location, as given). */
export function webSearchDefinition(config: WebSearchConfig | undefined): BetaToolUnion {
  const location = config?.user_location;
  return {
    type: WEB_SEARCH_TOOL_TYPE,
    name: 'web_search',
    ...(config?.allowed_domains ? { allowed_domains: config.allowed_domains } : {}),
    ...(config?.blocked_domains ? { blocked_domains: config.blocked_domains } : {}),
    ...(location
      ? {
          user_location: {
            type: 'approximate' as const,
            ...(present(location.city) ? { city: location.city } : {}),
            ...(present(location.region) ? { region: location.region } : {}),
            ...(present(location.country) ? { country: location.country } : {}),
            ...(present(location.timezone) ? { timezone: location.timezone } : {}),
          },
        }
      : {}),
  } as BetaToolUnion;
}

/** The Messages API's web fetch tool for the agent's web_fetch config. */
export function webFetchDefinition(config: WebFetchConfig | undefined): BetaToolUnion {
  return {
    type: WEB_FETCH_TOOL_TYPE,
    name: 'web_fetch',
    ...(config?.allowed_domains ? { allowed_domains: config.allowed_domains } : {}),
    ...(config?.blocked_domains ? { blocked_domains: config.blocked_domains } : {}),
    ...(present(config?.max_content_tokens) ? { max_content_tokens: config.max_content_tokens } : {}),
  } as BetaToolUnion;
}

/**
 * An agent whose toolset enables web_search must be runnable by the configured provider: the
 * provider offers the server tool, and the tool's policy lets it run unasked (the search happens
 * inside the model call, where nothing can wait for a user.tool_confirmation). `field` locates
 * errors (`tools`, `agent.tools`).
 */
export function checkWebToolsForProvider(tools: Agent['tools'], provider: ProviderName, field = 'tools'): void {
  tools.forEach((tool, i) => {
    if (tool.type !== 'agent_toolset_20260401') return;
    const j = tool.configs.findIndex((c) => c.name === 'web_search');
    const config = j >= 0 ? tool.configs[j] : undefined;
    if (!(config?.enabled ?? tool.default_config.enabled)) return;
    const at = j >= 0 ? `${field}[${i}].configs[${j}]` : `${field}[${i}].default_config`;
    if (!PROVIDER_WEB_TOOLS[provider].webSearch) {
      throw invalidRequest(
        `${at}: web_search is enabled, but the ${provider} model provider does not offer the web search server tool ` +
          `(and agentd has no search backend of its own); disable it with configs: [{"name": "web_search", "enabled": false}]`,
      );
    }
    const policy = (config?.permission_policy ?? tool.default_config.permission_policy).type;
    if (policy !== 'always_allow') {
      throw invalidRequest(
        `${at}.permission_policy: web_search runs as the ${provider} provider's server tool inside the model call, so it cannot ` +
          `wait for a user.tool_confirmation ("${policy}"); give web_search the always_allow policy or disable it`,
      );
    }
  });
}

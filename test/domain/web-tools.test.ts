// Where the toolset's web tools run, per provider (the matrix in docs/model-providers.md), and the
// definitions each choice sends. Pure: no server.
import { describe, expect, it } from 'vitest';
import { webToolPlan } from '../../src/domain/web-tools.js';
import { resolveToolset } from '../../src/engine/tools/toolset.js';

const allow = { runner: 'provider' as const, webFetchPolicy: 'always_allow' as const, limitedNetworking: false };

describe('web tools per provider', () => {
  it('anthropic runs both as server tools; web_fetch is agentd\'s own when asked for, asking, or under limited networking', () => {
    expect(webToolPlan('anthropic', allow)).toEqual({ webSearch: 'provider', webFetch: 'provider' });
    expect(webToolPlan('anthropic', { ...allow, runner: 'agentd' })).toEqual({ webSearch: 'provider', webFetch: 'agentd' });
    expect(webToolPlan('anthropic', { ...allow, webFetchPolicy: 'always_ask' })).toEqual({ webSearch: 'provider', webFetch: 'agentd' });
    expect(webToolPlan('anthropic', { ...allow, limitedNetworking: true })).toEqual({ webSearch: 'provider', webFetch: 'agentd' });
  });

  it.each(['bedrock', 'vertex', 'foundry'] as const)('%s offers no server tools: web_fetch falls back to agentd', (provider) => {
    expect(webToolPlan(provider, allow)).toEqual({ webSearch: 'none', webFetch: 'agentd' });
  });

  it('the definitions follow the plan', () => {
    const agent = {
      tools: [{ type: 'agent_toolset_20260401', default_config: { enabled: false, permission_policy: { type: 'always_allow' } }, configs: [{ name: 'web_fetch', enabled: true, permission_policy: { type: 'always_allow' }, url_sources: null, allowed_domains: ['a.example'] }] }],
      mcp_servers: [],
    } as never;
    const server = resolveToolset(agent, { web: { webSearch: 'provider', webFetch: 'provider' } }).definitions;
    expect(server).toEqual([{ type: 'web_fetch_20250910', name: 'web_fetch', allowed_domains: ['a.example'] }]);
    const own = resolveToolset(agent, { web: { webSearch: 'none', webFetch: 'agentd' } }).definitions;
    expect(own).toEqual([expect.objectContaining({ name: 'web_fetch', input_schema: expect.objectContaining({ type: 'object' }) })]);
    expect((own[0] as { type?: string }).type).toBeUndefined();
  });
});

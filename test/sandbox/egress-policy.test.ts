// Host matching of the egress policy: exact names, `*.` wildcards over subdomains, case and
// trailing dots; package registries and MCP hosts only when their flags are on.
import { describe, expect, it } from 'vitest';
import { PACKAGE_MANAGER_HOSTS, egressPolicy, hostMatches } from '../../src/sandbox/egress/egress-policy.js';
import type { EnvironmentRecord, SessionRecord } from '../../src/store/types.js';

const session = { agent: { mcp_servers: [{ type: 'url', name: 'gh', url: 'https://mcp.example.net:8443/mcp' }] } } as unknown as SessionRecord;
const env = (networking: unknown) => ({ config: { type: 'cloud', networking } }) as unknown as EnvironmentRecord;

describe('egress policy', () => {
  it('matches exact hosts and subdomain wildcards', () => {
    expect(hostMatches('api.example.com', 'API.Example.com.')).toBe(true);
    expect(hostMatches('api.example.com', 'x.api.example.com')).toBe(false);
    expect(hostMatches('*.example.com', 'a.b.example.com')).toBe(true);
    expect(hostMatches('*.example.com', 'example.com')).toBe(false);
    expect(hostMatches('*.example.com', 'badexample.com')).toBe(false);
    expect(hostMatches('::1', '[::1]')).toBe(true);
  });

  it('is absent for unrestricted networking', () => {
    expect(egressPolicy(session, env({ type: 'unrestricted' }))).toBeUndefined();
  });

  it('adds package registries and MCP server hosts only when asked', () => {
    const base = egressPolicy(session, env({ type: 'limited', allowed_hosts: ['*.corp.test'], allow_package_managers: false, allow_mcp_servers: false }))!;
    expect(base.allows('git.corp.test')).toBe(true);
    expect(base.allows('registry.npmjs.org')).toBe(false);
    expect(base.allows('mcp.example.net')).toBe(false);
    const all = egressPolicy(session, env({ type: 'limited', allowed_hosts: [], allow_package_managers: true, allow_mcp_servers: true }))!;
    for (const host of PACKAGE_MANAGER_HOSTS) expect(all.allows(host)).toBe(true);
    expect(all.allows('mcp.example.net')).toBe(true);
    expect(all.allows('example.net')).toBe(false);
  });
});

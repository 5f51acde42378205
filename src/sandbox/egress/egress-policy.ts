// Which hosts a sandbox under `limited` networking may reach: the environment's allowed_hosts,
// well-known package registries (allow_package_managers) and the agent's MCP servers
// (allow_mcp_servers). Decisions are per host name as the client asked for it, on any port.
import type { EnvironmentRecord, SessionRecord } from '../../store/types.js';

/**
 * Registries the common package managers download from (npm, yarn, PyPI, crates.io, Go modules,
 * RubyGems, Maven Central, NuGet, Packagist, Debian/Ubuntu archives, Alpine).
 */
export const PACKAGE_MANAGER_HOSTS: readonly string[] = [
  'registry.npmjs.org',
  'registry.yarnpkg.com',
  'repo.yarnpkg.com',
  'pypi.org',
  'files.pythonhosted.org',
  'crates.io',
  'index.crates.io',
  'static.crates.io',
  'static.rust-lang.org',
  'proxy.golang.org',
  'sum.golang.org',
  'rubygems.org',
  'index.rubygems.org',
  'repo.maven.apache.org',
  'repo1.maven.org',
  'api.nuget.org',
  'repo.packagist.org',
  'deb.debian.org',
  'security.debian.org',
  'archive.ubuntu.com',
  'security.ubuntu.com',
  'dl-cdn.alpinelinux.org',
];

export interface EgressPolicy {
  allows(host: string): boolean;
  /** The patterns in force, for logs and denial messages. */
  readonly patterns: readonly string[];
}

/** Lower-case, no trailing dot, no IPv6 brackets: the form patterns are compared in. */
export function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, '').replace(/^\[(.*)\]$/, '$1');
}

/** `*.example.com` matches any subdomain (not example.com itself); anything else matches exactly. */
export function hostMatches(pattern: string, host: string): boolean {
  const p = normalizeHost(pattern);
  const h = normalizeHost(host);
  return p.startsWith('*.') ? h.endsWith(p.slice(1)) && h.length > p.length - 1 : h === p;
}

export function policyFromPatterns(patterns: readonly string[]): EgressPolicy {
  return { patterns, allows: (host) => patterns.some((p) => hostMatches(p, host)) };
}

/**
 * The session's policy, or undefined when its environment's networking is unrestricted.
 * `packageHosts`: registries the operator configured (AGENTD_PIP_INDEX_URL, …), which
 * `allow_package_managers` allows besides the well-known ones.
 */
export function egressPolicy(session: SessionRecord, environment: EnvironmentRecord, packageHosts: readonly string[] = []): EgressPolicy | undefined {
  const config = environment.config;
  if (config.type !== 'cloud') return undefined;
  const networking = config.networking;
  if (!networking || networking.type !== 'limited') return undefined;
  const patterns = [...(networking.allowed_hosts ?? [])];
  if (networking.allow_package_managers) patterns.push(...PACKAGE_MANAGER_HOSTS, ...packageHosts);
  if (networking.allow_mcp_servers) {
    for (const server of session.agent.mcp_servers ?? []) {
      try {
        patterns.push(new URL(server.url).hostname);
      } catch {
        // An unparsable URL names no host to allow.
      }
    }
  }
  return policyFromPatterns(patterns);
}

/**
 * `unrestricted` sandboxes whose proxy is there only to substitute credentials: every host passes
 * (the destination deny rules still apply, as slirp4netns's routes apply them to direct traffic).
 */
export const ANY_HOST: EgressPolicy = { patterns: ['*'], allows: () => true };

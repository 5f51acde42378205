// An environment's packages as a set: which managers install what, and the key its layer is
// cached under (the same set, in any order, shares one layer).
import { createHash } from 'node:crypto';
import type { EnvironmentRecord } from '../../store/types.js';

export const PACKAGE_MANAGERS = ['apt', 'cargo', 'gem', 'go', 'npm', 'pip'] as const;
export type PackageManager = (typeof PACKAGE_MANAGERS)[number];
export type PackageSet = Readonly<Record<PackageManager, readonly string[]>>;

/** The environment's packages, sorted and deduplicated; undefined when it asks for none. */
export function packageSetOf(environment: EnvironmentRecord): PackageSet | undefined {
  const config = environment.config;
  if (config.type !== 'cloud' || !config.packages) return undefined;
  const pkgs = config.packages;
  const set = Object.fromEntries(PACKAGE_MANAGERS.map((m) => [m, [...new Set(pkgs[m] ?? [])].sort()])) as Record<PackageManager, string[]>;
  return PACKAGE_MANAGERS.some((m) => set[m].length > 0) ? set : undefined;
}

/** SHA-256 of the set's canonical JSON: the layer's directory name. */
export function packageSetKey(set: PackageSet): string {
  const canonical = JSON.stringify(PACKAGE_MANAGERS.map((m) => [m, set[m]]));
  return createHash('sha256').update(canonical).digest('hex');
}

/** "apt: jq, pip: requests==2.31" — for messages. */
export function describePackageSet(set: PackageSet): string {
  return PACKAGE_MANAGERS.filter((m) => set[m].length > 0)
    .map((m) => `${m}: ${set[m].join(', ')}`)
    .join('; ');
}

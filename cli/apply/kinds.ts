// The kinds `agentd apply` manages: which SDK resource serves each, which field is its name (the
// key that matches a document to what exists), and how --prune removes one.
export type Kind = 'environment' | 'vault' | 'memory_store' | 'skill' | 'agent';

export interface KindSpec {
  kind: Kind;
  /** The platform command's resource (cli/platform/resources.ts). */
  resource: string;
  nameField: string;
  /** --prune: delete where the API can, else archive (agents can only be archived). */
  prune: 'delete' | 'archive';
  /** Resources with metadata carry the marker that lets --prune find what apply made. */
  metadata: boolean;
}

/** In dependency order: what agents may refer to exists before them. */
export const KINDS: readonly KindSpec[] = [
  { kind: 'environment', resource: 'environments', nameField: 'name', prune: 'delete', metadata: true },
  { kind: 'vault', resource: 'vaults', nameField: 'display_name', prune: 'delete', metadata: true },
  { kind: 'memory_store', resource: 'memory-stores', nameField: 'name', prune: 'delete', metadata: true },
  { kind: 'skill', resource: 'skills', nameField: 'display_name', prune: 'delete', metadata: false },
  { kind: 'agent', resource: 'agents', nameField: 'name', prune: 'archive', metadata: true },
];

export const kindSpec = (kind: string) => KINDS.find((k) => k.kind === kind);

/** The metadata key (and value) on everything apply created: --prune touches nothing else. */
export const MANAGED_KEY = 'agentd-apply';
export const MANAGED_VALUE = 'managed';

// What every use case needs: the store, the event log, the blob store, a clock, sessions' host files and prices.
import type { EventLog } from '../events/event-log.js';
import type { Workspaces } from '../sandbox/workspace/workspaces.js';
import type { BlobStore } from '../store/blob-store.js';
import type { Store } from '../store/types.js';
import type { PriceTable } from '../telemetry/prices.js';
import type { ProviderName } from '../domain/model-settings.js';

export interface CommandContext {
  readonly store: Store;
  readonly log: EventLog;
  readonly blobs: BlobStore;
  /** Current time as a fixed-width ISO-8601 UTC string. */
  readonly now: () => string;
  /** Sessions' files on the host: resources are materialised there, outputs read back. */
  readonly workspaces: Workspaces;
  /** List prices per model (budgets are checked against them). */
  readonly prices: PriceTable;
  /** The model provider (AGENTD_MODEL_PROVIDER): agent model settings it cannot honour are refused. */
  readonly modelProvider: ProviderName;
  /**
   * Why an agent's model id is refused (the configured provider's model list does not have it),
   * or undefined when it is known. Absent: every id is accepted.
   */
  readonly unknownModel?: ((id: string) => string | undefined) | undefined;
  /**
   * Why this server's sessions cannot use environment-variable credentials (AGENTD_SANDBOX=none:
   * no egress proxy in front of the tools), or undefined when they can.
   */
  readonly envCredentialsRefusal?: string | undefined;
  /**
   * Why this server will not clone a repository url (a local path outside AGENTD_REPOSITORY_LOCAL_ROOTS, or in
   * agentd's own data), or undefined when it will. Absent: every url the transports allow.
   */
  readonly repositoryRefusal?: ((url: string) => string | undefined) | undefined;
}

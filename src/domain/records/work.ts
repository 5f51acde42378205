// Records of self-hosted environments: work items offering sessions to workers, their per-claim
// tokens, and environment keys.
import type { Work } from '../../api/work-wire.js';

export type WorkState = Work['state'];

/** A work item's states, as the SDK's `BetaSelfHostedWork.state` names them. */
export const WorkState = {
  queued: 'queued',
  starting: 'starting',
  active: 'active',
  stopping: 'stopping',
  stopped: 'stopped',
} as const satisfies { [K in WorkState]: K };

/** States in which an item still offers its session: a session has at most one such item. */
export const OPEN_WORK_STATES: readonly WorkState[] = ['queued', 'starting', 'active'];

export interface WorkItemRecord {
  id: string;
  workspaceId: string;
  environmentId: string;
  /** The session this item offers (`data: { type: 'session', id }`). */
  sessionId: string;
  state: WorkState;
  metadata: Record<string, string>;
  /** Lease generation: +1 each time a poll hands the item out, so a stale holder can be told apart. */
  claim: number;
  /** Bumped by every write; writes compare-and-set on it. */
  revision: number;
  /** When the current claim was handed out by a poll (pending until acknowledged). */
  claimedAt: string | null;
  /** The `Anthropic-Worker-ID` of the poll that holds the current claim. */
  claimedBy: string | null;
  createdAt: string;
  acknowledgedAt: string | null;
  startedAt: string | null;
  latestHeartbeatAt: string | null;
  /** The holder is presumed dead after this (ack and every heartbeat push it out). */
  leaseExpiresAt: string | null;
  stopRequestedAt: string | null;
  stoppedAt: string | null;
}

export interface WorkTokenRecord {
  /** Hex SHA-256 of the token. */
  digest: string;
  workId: string;
  /** The claim it was minted for: a token of an earlier claim no longer holds the lease. */
  claim: number;
  createdAt: string;
}

export interface EnvironmentKeyRecord {
  id: string;
  workspaceId: string;
  environmentId: string;
  /** Hex SHA-256 of the key: the key itself is shown once and never stored. */
  digest: string;
  /** The key's last characters, so a listed key can be recognised. */
  hint: string;
  createdAt: string;
}

// Pure work-item transitions (claim, acknowledge, heartbeat with compare-and-set, stop, lapse),
// decided from the stored item alone so the queue's effects stay a thin compare-and-set write.
import type { WorkHeartbeatResponse, WorkLeaseState } from '../api/work-wire.js';
import type { WorkItemRecord } from './records/work.js';

/** The `expected_last_heartbeat` value that claims a lease nobody has heartbeated yet. */
export const NO_HEARTBEAT = 'NO_HEARTBEAT';

export const addSeconds = (iso: string, seconds: number): string => new Date(Date.parse(iso) + seconds * 1000).toISOString();
export const addMs = (iso: string, ms: number): string => new Date(Date.parse(iso) + ms).toISOString();

/** Who is acting on the item: a session token carries the claim it was minted for. */
export interface Holder {
  /** The token's claim; undefined for the environment key (which holds every claim of its queue). */
  claim?: number | undefined;
}

const staleHolder = (item: WorkItemRecord, holder: Holder) => holder.claim !== undefined && holder.claim !== item.claim;

/** Hands the item to a poll: a new claim, with the previous holder's lease (if any) forgotten. */
export function claim(item: WorkItemRecord, now: string, workerId: string | undefined): WorkItemRecord {
  return {
    ...item,
    state: 'queued',
    claim: item.claim + 1,
    claimedAt: now,
    claimedBy: workerId ?? null,
    acknowledgedAt: null,
    startedAt: null,
    latestHeartbeatAt: null,
    leaseExpiresAt: null,
  };
}

export type Transition = { type: 'write'; next: WorkItemRecord } | { type: 'unchanged' } | { type: 'conflict'; message: string };

/** queued → starting, and the lease starts; repeating an acknowledgement changes nothing. */
export function acknowledge(item: WorkItemRecord, holder: Holder, now: string, ttlSeconds: number): Transition {
  if (staleHolder(item, holder)) return { type: 'conflict', message: `work item ${item.id} was handed to another poll since` };
  if (item.state === 'starting' || item.state === 'active') return { type: 'unchanged' };
  if (item.state !== 'queued') return { type: 'conflict', message: `work item ${item.id} is ${item.state}` };
  return {
    type: 'write',
    next: {
      ...item,
      state: 'starting',
      claimedAt: item.claimedAt ?? now,
      acknowledgedAt: now,
      leaseExpiresAt: addSeconds(now, ttlSeconds),
    },
  };
}

export type HeartbeatDecision =
  | { type: 'beat'; next: WorkItemRecord | undefined; response: WorkHeartbeatResponse }
  | { type: 'precondition_failed'; message: string; current: WorkLeaseState }
  | { type: 'conflict'; message: string };

export interface HeartbeatRequest {
  /** `expected_last_heartbeat`; undefined means "do not compare". */
  expected: string | undefined;
  holder: Holder;
  now: string;
  ttlSeconds: number;
}

/**
 * Extends the lease if the caller still holds it: its `expected` value must be the stored
 * heartbeat (NO_HEARTBEAT for none). A stopping item is not compared and keeps its lease while it
 * shuts down; a stopped one is not compared and not extended. Both tell the worker to finish.
 */
export function heartbeat(item: WorkItemRecord, req: HeartbeatRequest): HeartbeatDecision {
  const { now, ttlSeconds } = req;
  const response = (last: string, extended: boolean, state: WorkItemRecord['state']): WorkHeartbeatResponse => ({
    type: 'work_heartbeat',
    last_heartbeat: last,
    lease_extended: extended,
    state,
    ttl_seconds: ttlSeconds,
  });
  if (item.state === 'stopped') {
    return { type: 'beat', next: undefined, response: response(item.latestHeartbeatAt ?? '', false, 'stopped') };
  }
  if (item.state === 'stopping') {
    const next = { ...item, latestHeartbeatAt: now, leaseExpiresAt: addSeconds(now, ttlSeconds) };
    return { type: 'beat', next, response: response(now, true, 'stopping') };
  }
  const stored = item.latestHeartbeatAt ?? NO_HEARTBEAT;
  const mismatch = req.expected !== undefined && req.expected !== stored;
  if (staleHolder(item, req.holder) || mismatch) {
    return {
      type: 'precondition_failed',
      message: staleHolder(item, req.holder)
        ? `work item ${item.id} was handed to another poll since this lease was granted`
        : `expected_last_heartbeat "${req.expected}" does not match the stored heartbeat "${stored}": another worker may hold the lease`,
      current: { last_heartbeat: item.latestHeartbeatAt, lease_extended: false, state: item.state, ttl_seconds: ttlSeconds },
    };
  }
  if (item.state === 'queued') {
    return { type: 'conflict', message: `work item ${item.id} has not been acknowledged: ack it before heartbeating` };
  }
  const next: WorkItemRecord = {
    ...item,
    state: 'active',
    startedAt: item.startedAt ?? now,
    latestHeartbeatAt: now,
    leaseExpiresAt: addSeconds(now, ttlSeconds),
  };
  return { type: 'beat', next, response: response(now, true, 'active') };
}

export type StopDecision = Transition | { type: 'already_stopped' };

/**
 * Force (or an item no worker holds yet) stops at once; otherwise a running item goes to
 * `stopping` and its worker learns so from its next heartbeat.
 */
export function stop(item: WorkItemRecord, holder: Holder, force: boolean, now: string): StopDecision {
  if (item.state === 'stopped') return { type: 'already_stopped' };
  if (staleHolder(item, holder)) return { type: 'conflict', message: `work item ${item.id} was handed to another poll since` };
  if (force || item.state === 'queued') return { type: 'write', next: stopped(item, now) };
  if (item.state === 'stopping') return { type: 'unchanged' };
  return { type: 'write', next: { ...item, state: 'stopping', stopRequestedAt: now } };
}

export function stopped(item: WorkItemRecord, now: string): WorkItemRecord {
  return { ...item, state: 'stopped', stopRequestedAt: item.stopRequestedAt ?? now, stoppedAt: now, leaseExpiresAt: null };
}

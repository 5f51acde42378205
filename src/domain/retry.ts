// Retry budget and backoff of failed model calls, derived from the log: each retry is a
// session.status_rescheduled event, so a restarted engine keeps the budget already spent and the
// time the next attempt is due.

export interface RetryPolicy {
  /** Retries of a retryable failure before the turn ends with retries_exhausted. */
  maxRetries: number;
  baseMs: number;
  maxMs: number;
}

/** The current run of retries: how many reschedules so far, and the latest one. */
export interface RetryRun {
  count: number;
  /** The latest session.status_rescheduled event: its id seeds the jitter, its time starts the wait. */
  lastEventId: string;
  lastAt: string;
}

/** Exponential backoff with full jitter (`random` in [0, 1)), capped. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** A stable number in [0, 1) from an event id (FNV-1a), so the jitter replays identically. */
export function jitterOf(id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 2 ** 32;
}

/** When the retry the run is waiting for is due (epoch ms). */
export function retryDueAt(run: RetryRun, policy: RetryPolicy): number {
  const wait = backoffMs(run.count - 1, policy.baseMs, policy.maxMs, () => jitterOf(run.lastEventId));
  return Date.parse(run.lastAt) + wait;
}

/** Whether another retry fits in the budget. */
export const canRetry = (run: RetryRun | undefined, policy: RetryPolicy) => (run?.count ?? 0) < policy.maxRetries;

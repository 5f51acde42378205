// What a scheduler does with a deployment whose next instant has come: which instant (if any) it
// fires and where the schedule's cursor moves. The catch-up rule lives here: after downtime only
// the latest missed instant fires, and only if it is no older than the catch-up window; earlier
// missed instants are skipped (never backfilled in a burst).

export interface DueDecision {
  /** The instant to fire now (epoch ms), or null when every due instant is past the window. */
  fire: number | null;
  /** The cursor's next value: the first instant after `now` (null if the schedule ends). */
  next: number | null;
  /** Whether due instants were passed over (missed while every server was down). */
  skipped: boolean;
}

/**
 * `cursor` is the deployment's unclaimed instant (≤ now), `nextAfter(t)` the schedule's first
 * instant strictly after t.
 */
export function decideDue(
  cursor: number,
  now: number,
  catchUpMs: number,
  nextAfter: (t: number) => number | null,
): DueDecision {
  const windowStart = now - catchUpMs;
  let skipped = false;
  let latest: number | null = cursor;
  // Instants older than the window are skipped wholesale: walk only from the window's start.
  if (cursor < windowStart) {
    latest = nextAfter(windowStart - 1);
    skipped = true;
    if (latest === null || latest > now) return { fire: null, next: latest, skipped };
  }
  for (let t = nextAfter(latest); t !== null && t <= now; t = nextAfter(t)) {
    latest = t;
    skipped = true;
  }
  return { fire: latest, next: nextAfter(latest), skipped };
}

// Cron schedules in an IANA time zone, with the documented DST semantics: an instant fires when its
// local wall-clock time matches the expression literally. croner parses and steps the expression;
// this module only corrects croner's DST policy to the documented one (croner moves a wall time
// that a spring-forward skips to the next valid minute, and fires a repeated fall-back time once).
import { Cron } from 'croner';

/** How far ahead `upcoming_runs_at` looks (the SDK documents "up to 5"). */
export const UPCOMING_RUNS = 5;

export type ScheduleCheck = { ok: true } | { ok: false; field: 'schedule.expression' | 'schedule.timezone'; message: string };

/** The time zone's UTC offset at `ms`, in ms (wall clock minus UTC). */
export function utcOffsetMs(timezone: string, ms: number): number {
  const parts = formatterFor(timezone).formatToParts(new Date(ms));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(ms / 1000) * 1000;
}

// Building a formatter costs far more than using one; zones are few.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone);
  if (f) return f;
  f = new Intl.DateTimeFormat('en-US', {
    timeZone: timezone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  formatters.set(timezone, f);
  return f;
}

function isTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

function cronFor(expression: string, timezone: string): Cron {
  // 5-part only: POSIX cron, minute granularity (a seconds field is refused, as documented).
  return new Cron(expression, { timezone, paused: true, mode: '5-part' });
}

export function checkSchedule(expression: string, timezone: string): ScheduleCheck {
  if (!isTimeZone(timezone)) {
    return { ok: false, field: 'schedule.timezone', message: `unknown IANA time zone "${timezone}"` };
  }
  if (expression.trim().startsWith('@') || expression.trim().split(/\s+/).length !== 5) {
    return {
      ok: false,
      field: 'schedule.expression',
      message: 'expected a 5-field cron expression (minute hour day-of-month month day-of-week)',
    };
  }
  try {
    const cron = cronFor(expression, timezone);
    if (cron.nextRun() === null) return { ok: false, field: 'schedule.expression', message: 'the expression never fires' };
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/^CronPattern: /, '') : String(err);
    return { ok: false, field: 'schedule.expression', message: `invalid cron expression: ${reason}` };
  }
  return { ok: true };
}

/**
 * The first `count` fire instants strictly after `afterMs` (epoch ms, ascending). Assumes the
 * schedule passed checkSchedule.
 */
export function firesAfter(expression: string, timezone: string, afterMs: number, count: number): number[] {
  const cron = cronFor(expression, timezone);
  const out = new Set<number>();
  // Near a fall-back, an instant at or before `afterMs` may repeat after it: start early enough to see it.
  const nearFallBack = utcOffsetMs(timezone, afterMs - REPEAT_LOOKBACK_MS) > utcOffsetMs(timezone, afterMs + REPEAT_LOOKBACK_MS);
  let cursor = new Date(nearFallBack ? afterMs - REPEAT_LOOKBACK_MS : afterMs);
  // Each croner candidate yields at most two fires; the lookback adds at most 180 (minutely) candidates.
  // Candidates ascend and a repeat is later than its candidate, so once a candidate is past the
  // `count`-th smallest fire collected nothing earlier can follow. Stopping on the set's size alone
  // lost instants: near a fall-back, repeats of lookback candidates filled it first.
  for (let i = 0; i < count * 4 + 200; i++) {
    const next = cron.nextRun(cursor);
    if (!next) break;
    const t = next.getTime();
    if (out.size >= count && t > countthSmallest(out, count)) break;
    cursor = next;
    // A spring-forward shift: croner moved a skipped wall time to a later one; skipped, as documented.
    if (!cron.match(next)) continue;
    if (t > afterMs) out.add(t);
    // A fall-back repeat: the same wall time comes again after the offset drops; fires twice.
    const repeat = repeatedWallTime(timezone, t);
    if (repeat !== undefined && repeat > afterMs) out.add(repeat);
  }
  return [...out].sort((a, b) => a - b).slice(0, count);
}

const REPEAT_LOOKBACK_MS = 3 * 3_600_000;

function countthSmallest(values: Set<number>, count: number): number {
  return [...values].sort((a, b) => a - b)[count - 1]!;
}

/** The later instant with the same wall-clock time as `t`, if a fall-back follows within 3 hours. */
function repeatedWallTime(timezone: string, t: number): number | undefined {
  const before = utcOffsetMs(timezone, t);
  const after = utcOffsetMs(timezone, t + 3 * 3_600_000);
  if (after >= before) return undefined;
  const candidate = t + (before - after);
  return candidate + utcOffsetMs(timezone, candidate) === t + before ? candidate : undefined;
}

/** The next fire instant strictly after `afterMs`, or null if the schedule never fires again. */
export function nextFireAfter(expression: string, timezone: string, afterMs: number): number | null {
  return firesAfter(expression, timezone, afterMs, 1)[0] ?? null;
}

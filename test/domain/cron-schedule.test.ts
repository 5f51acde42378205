// The schedule's instants (croner, corrected to the documented DST semantics) and the catch-up rule.
import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { checkSchedule, firesAfter, nextFireAfter } from '../../src/domain/cron-schedule.js';
import { decideDue } from '../../src/domain/schedule-due.js';

const at = (iso: string) => Date.parse(iso);
const isos = (ms: number[]) => ms.map((t) => new Date(t).toISOString());
const NY = 'America/New_York';

describe('cron schedule', () => {
  it('agrees with croner away from DST transitions', () => {
    const from = at('2026-05-01T00:00:00.000Z');
    for (const [expr, tz] of [
      ['0 20 * * 5', NY],
      ['*/15 9-17 * * 1-5', 'Europe/Berlin'],
      ['0 0 13 * 5', 'UTC'],
    ] as const) {
      const croner = new Cron(expr, { timezone: tz, paused: true }).nextRuns(5, new Date(from)).map((d) => d.getTime());
      expect(firesAfter(expr, tz, from, 5)).toEqual(croner);
    }
    // The documented example: 8 PM Fridays in New York are midnight UTC Saturdays in May.
    expect(isos(firesAfter('0 20 * * 5', NY, at('2026-05-02T00:00:00.000Z'), 3))).toEqual([
      '2026-05-09T00:00:00.000Z',
      '2026-05-16T00:00:00.000Z',
      '2026-05-23T00:00:00.000Z',
    ]);
  });

  it('skips a wall time that a spring-forward removes (croner would move it to 3:00)', () => {
    const from = at('2026-03-07T12:00:00.000Z');
    expect(new Cron('30 2 * * *', { timezone: NY, paused: true }).nextRun(new Date(from))?.toISOString()).toBe('2026-03-08T07:00:00.000Z');
    expect(isos(firesAfter('30 2 * * *', NY, from, 2))).toEqual(['2026-03-09T06:30:00.000Z', '2026-03-10T06:30:00.000Z']);
    // 8 PM keeps its wall-clock time across the change: 01:00Z in EST, 00:00Z in EDT.
    expect(isos(firesAfter('0 20 * * *', NY, from, 2))).toEqual(['2026-03-08T01:00:00.000Z', '2026-03-09T00:00:00.000Z']);
  });

  it('fires a wall time that a fall-back repeats twice (croner fires it once)', () => {
    const from = at('2026-10-31T12:00:00.000Z');
    expect(new Cron('30 1 * * *', { timezone: NY, paused: true }).nextRuns(2, new Date(from)).map((d) => d.toISOString())).toEqual([
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
    expect(isos(firesAfter('30 1 * * *', NY, from, 3))).toEqual([
      '2026-11-01T05:30:00.000Z', // 1:30 EDT
      '2026-11-01T06:30:00.000Z', // 1:30 EST
      '2026-11-02T06:30:00.000Z',
    ]);
    // After the first 1:30 the next instant is the repeated one.
    expect(nextFireAfter('30 1 * * *', NY, at('2026-11-01T05:30:00.000Z'))).toBe(at('2026-11-01T06:30:00.000Z'));
    // Wildcard hours are not doubled.
    expect(isos(firesAfter('0 * * * *', NY, at('2026-11-01T04:30:00.000Z'), 4))).toEqual([
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T06:00:00.000Z',
      '2026-11-01T07:00:00.000Z',
      '2026-11-01T08:00:00.000Z',
    ]);
  });

  // The documented rule, checked by brute force: an instant fires iff its local wall-clock time
  // matches the expression (croner's match() compares wall-clock fields), so every UTC minute is an
  // oracle. Walking nextFireAfter from each fire instant (as the scheduler moves its cursor) must
  // give exactly the oracle's instants, and firesAfter from points across the window (varying
  // seconds) the oracle's next five. Near a fall-back, stopping once the candidate set held
  // 2*count values lost the rest of the first-offset hour.
  const MINUTE = 60_000;
  const DAY = 24 * 3_600_000;
  const transitions = [
    // [expression, zone, window start, window end]; NY falls back at 06:00Z, Berlin at 01:00Z.
    // (minutely across the NY fall-back is walked in the next test: ~18 ms a call near a fall-back)
    ['*/5 * * * *', NY, '2026-11-01T03:00:00.000Z', '2026-11-01T09:00:00.000Z'],
    ['*/15 * * * *', NY, '2026-11-01T03:00:00.000Z', '2026-11-01T09:00:00.000Z'],
    ['30 1 * * *', NY, '2026-10-31T20:00:00.000Z', '2026-11-01T09:00:00.000Z'],
    ['*/10 * * * *', 'Europe/Berlin', '2026-10-24T22:00:00.000Z', '2026-10-25T04:00:00.000Z'],
    ['*/7 2 * * *', 'Europe/Berlin', '2026-10-24T22:00:00.000Z', '2026-10-25T04:00:00.000Z'],
    // A half-hour fall-back (2:00 LHDT to 1:30 LHST at 15:00Z).
    ['*/10 * * * *', 'Australia/Lord_Howe', '2026-04-04T12:00:00.000Z', '2026-04-04T18:00:00.000Z'],
    // Spring-forwards: NY at 07:00Z, Berlin at 01:00Z.
    ['* * * * *', NY, '2026-03-08T05:30:00.000Z', '2026-03-08T08:30:00.000Z'],
    ['*/15 * * * *', NY, '2026-03-08T04:00:00.000Z', '2026-03-08T10:00:00.000Z'],
    ['30 2 * * *', NY, '2026-03-07T04:00:00.000Z', '2026-03-09T10:00:00.000Z'],
    ['*/10 * * * *', 'Europe/Berlin', '2026-03-28T22:00:00.000Z', '2026-03-29T04:00:00.000Z'],
  ] as const;

  it.each(transitions)('%s in %s: every instant from %s to %s, none skipped or doubled', (expr, tz, start, end) => {
    const cron = new Cron(expr, { timezone: tz, paused: true });
    const from = at(start);
    const to = at(end);
    const oracle: number[] = [];
    for (let t = from; t <= to + 7 * DAY && oracle.filter((o) => o > to).length < 5; t += MINUTE) if (cron.match(new Date(t))) oracle.push(t);
    const walked: number[] = [];
    for (let t = nextFireAfter(expr, tz, from - 1); t !== null && t <= to; t = nextFireAfter(expr, tz, t)) walked.push(t);
    expect(isos(walked)).toEqual(isos(oracle.filter((t) => t <= to)));
    for (let t = from; t <= to; t += 7 * MINUTE + 1_000) {
      const expected = oracle.filter((o) => o > t).slice(0, 5);
      expect(isos(firesAfter(expr, tz, t, 5)), `after ${new Date(t).toISOString()}`).toEqual(isos(expected));
      expect(nextFireAfter(expr, tz, t), `after ${new Date(t).toISOString()}`).toBe(expected[0]);
    }
  });

  it('fires each wall time of the repeated hour once per offset, in order', () => {
    // New York, minutely: 1:00-1:59 EDT (05:00Z-05:59Z), then 1:00-1:59 EST (06:00Z-06:59Z).
    const walked: number[] = [];
    for (let t = nextFireAfter('* * * * *', NY, at('2026-11-01T04:59:30.000Z')); t !== null && t < at('2026-11-01T07:00:00.000Z'); t = nextFireAfter('* * * * *', NY, t)) {
      walked.push(t);
    }
    const wall = (t: number) => new Date(t).toLocaleTimeString('en-US', { timeZone: NY, hour12: false, timeZoneName: 'short' });
    expect(walked).toHaveLength(120);
    expect(wall(walked[0]!)).toBe('01:00:00 EDT');
    expect(wall(walked[59]!)).toBe('01:59:00 EDT');
    expect(wall(walked[60]!)).toBe('01:00:00 EST');
    expect(wall(walked[119]!)).toBe('01:59:00 EST');
    for (let i = 0; i < 60; i++) expect(wall(walked[i + 60]!).slice(0, 8)).toBe(wall(walked[i]!).slice(0, 8));
  });

  it('is strictly after the reference instant', () => {
    expect(nextFireAfter('0 0 * * *', 'UTC', at('2026-05-01T00:00:00.000Z'))).toBe(at('2026-05-02T00:00:00.000Z'));
  });

  it('names the field that is wrong', () => {
    expect(checkSchedule('0 0 * * *', 'UTC')).toEqual({ ok: true });
    expect(checkSchedule('61 * * * *', 'UTC')).toMatchObject({ ok: false, field: 'schedule.expression' });
    expect(checkSchedule('0 0 * * * *', 'UTC')).toMatchObject({ ok: false, field: 'schedule.expression' });
    expect(checkSchedule('@daily', 'UTC')).toMatchObject({ ok: false, field: 'schedule.expression' });
    expect(checkSchedule('0 0 31 2 *', 'UTC')).toMatchObject({ ok: false, field: 'schedule.expression' });
    expect(checkSchedule('0 0 * * *', 'Mars/Olympus_Mons')).toMatchObject({ ok: false, field: 'schedule.timezone' });
  });
});

describe('catch-up rule', () => {
  const hourly = (t: number) => nextFireAfter('0 * * * *', 'UTC', t);
  const HOUR = 3_600_000;

  it('fires the due instant on time and moves the cursor to the next one', () => {
    const cursor = at('2026-01-01T10:00:00.000Z');
    expect(decideDue(cursor, cursor + 500, HOUR, hourly)).toEqual({ fire: cursor, next: cursor + HOUR, skipped: false });
  });

  it('after downtime fires only the latest missed instant inside the window', () => {
    const cursor = at('2026-01-01T10:00:00.000Z');
    const now = at('2026-01-01T13:20:00.000Z');
    expect(decideDue(cursor, now, 2 * HOUR, hourly)).toEqual({ fire: at('2026-01-01T13:00:00.000Z'), next: at('2026-01-01T14:00:00.000Z'), skipped: true });
  });

  it('fires nothing when every missed instant is older than the window', () => {
    const cursor = at('2026-01-01T10:00:00.000Z');
    const now = at('2026-01-01T10:40:00.000Z');
    expect(decideDue(cursor, now, 10 * 60_000, hourly)).toEqual({ fire: null, next: at('2026-01-01T11:00:00.000Z'), skipped: true });
  });
});

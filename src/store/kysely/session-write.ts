// PostgreSQL: an engine write that touches the session's row (its status, usage, cost) in one statement instead of
// a transaction of six or seven round trips (BEGIN, the locking read, the ledger, the row, the events, the NOTIFY,
// COMMIT). The row's new values are computed by the caller from the values it last saw (`expected`); the statement
// applies only while the lease holds and the row still has exactly those values, so it writes what the transaction
// would have written from a fresh read, and while no enabled webhook endpoint subscribes to what its events cause
// (the transaction writes the outbox). Otherwise it writes nothing and the caller takes the transaction.
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { EventRecord, LeaseFence, RangeAnnouncement, SessionWrite } from '../types.js';
import type { Database } from './schema.js';
import { toJson } from './json.js';
import { insertNumberedEvents, updateInternals } from './event-rows.js';
import { ledgerRow } from './usage-ledger-repository.js';
import { ledgerWithEntries } from './usage-rollups.js';
import { runShaped } from './shaped-statements.js';

/** The text of the error that undoes a write whose lease or expected values no longer hold (see below). */
const REFUSED = 'agentd: session lease or runtime changed, write retried in a transaction';

/** Calls one statement carries (each adds ~100 parameters); a write with more goes through the transaction. */
const MAX_CALLS_PER_STATEMENT = 16;

/**
 * Applies `write` as one statement (its own transaction). Undefined: nothing was written, because the lease is lost,
 * the row's runtime fields differ from `write.expected`, or the write has more calls than one statement carries.
 */
export async function writeSession(
  db: Kysely<Database>,
  sessionId: string,
  write: SessionWrite,
  fence: LeaseFence,
  announce: RangeAnnouncement | undefined,
): Promise<EventRecord[] | undefined> {
  const { events, patch, expected } = write;
  if (write.calls.length > MAX_CALLS_PER_STATEMENT) return undefined;
  const n = events.length;
  // The statement is built from parts, and its parameters gathered in the same order, so that its text is built by
  // Kysely once per shape (which parts, which columns) and then reused with fresh parameters (runShaped).
  const values: unknown[] = [];
  const shape: string[] = ['session write'];
  const p = (value: unknown) => {
    values.push(value);
    return sql`${value}`;
  };
  const set: Array<[string, unknown]> = [];
  if (patch.status !== undefined) set.push(['status', patch.status]);
  if (patch.usage !== undefined) set.push(['usage', toJson(patch.usage)]);
  if (patch.outcomeEvaluations !== undefined) set.push(['outcome_evaluations', toJson(patch.outcomeEvaluations)]);
  if (patch.runtime !== undefined) {
    set.push(['list_cost_nanousd', patch.runtime.listCostNanoUsd], ['unpriced_calls', patch.runtime.unpricedCalls]);
    set.push(['active_ms', patch.runtime.activeMs], ['running_since', patch.runtime.runningSince]);
  }
  shape.push(set.map(([column]) => column).join(','));
  const webhookTypes = write.webhookTypes ?? [];
  if (webhookTypes.length > 0) shape.push('webhooks');
  const reserve = p(n);
  const assignments = sql.join([...set.map(([column, value]) => sql`${sql.ref(column)} = ${p(value)}`), sql`updated_at = ${p(write.at)}`]);
  const entries: RawBuilder<unknown>[] = [
    sql`upd as (
      update sessions set last_seq = last_seq + ${reserve}, ${assignments}
      where id = ${p(sessionId)} and lease_owner = ${p(fence.owner)} and lease_token = ${p(fence.token)}
        and usage = ${p(toJson(expected.usage))} and outcome_evaluations = ${p(toJson(expected.outcomeEvaluations))}
        and budget is not distinct from ${p(expected.budget === null ? null : toJson(expected.budget))}
        and list_cost_nanousd = ${p(expected.runtime.listCostNanoUsd)} and unpriced_calls = ${p(expected.runtime.unpricedCalls)}
        and active_ms = ${p(expected.runtime.activeMs)} and running_since is not distinct from ${p(expected.runtime.runningSince)}
        ${webhookTypes.length > 0 ? sql`and not exists (select 1 from webhook_endpoints where state = 'enabled' and enabled_events::jsonb ?| ${p([...webhookTypes])}::text[])` : sql``}
      returning id, last_seq
    )`,
  ];
  if (n > 0) {
    const appended = insertNumberedEvents(sessionId, events, 'upd');
    values.push(...appended.values);
    entries.push(sql`appended as (${appended.query})`);
    shape.push('events');
  }
  if (write.processed.length > 0) {
    entries.push(sql`processed as (
      update session_events set processed_at = ${p(write.at)}
      where session_id = ${p(sessionId)} and id = any(${p(write.processed)}::text[]) and processed_at is null
    )`);
    shape.push('processed');
  }
  if (write.internals.length > 0) {
    const internals = updateInternals(write.internals, 'upd');
    values.push(...internals.values);
    entries.push(sql`internals as (${internals.query})`);
    shape.push('internals');
  }
  // The ledger's entries come last, built only with the statement (their parameters are known without them).
  let ledgerEntries = (): RawBuilder<unknown>[] => [];
  if (write.calls.length > 0) {
    const ledger = ledgerWithEntries(db, write.calls.map(ledgerRow), write.calls);
    values.push(...ledger.values);
    ledgerEntries = () => ledger.entries().map((e) => sql`${sql.raw(e.name)} as (${e.query})`);
    shape.push(ledger.shape);
  }
  // Every WITH entry runs whether or not `upd` changed the row; an error is what undoes them all. The cast fails only
  // when `upd` found no row (it depends on the count, so PostgreSQL cannot fold it while planning).
  const refused = p(REFUSED);
  const notify = announce
    ? sql`, pg_notify(${p(announce.channel)}, ${p(announce.before)}::text || ((select last_seq from upd) - ${p(n)} + 1)::text || ' ' || (select last_seq from upd)::text || ${p(announce.after)}::text)`
    : sql``;
  if (announce) shape.push('notify');
  const statement = () => sql<{ last_seq: number | string }>`
    with ${sql.join([...entries, ...ledgerEntries()])}
    select (select last_seq from upd) as last_seq,
      (select (${refused}::text || ' ' || count(*))::int from upd having count(*) = 0) as refused${notify}`;
  try {
    const { rows } = await runShaped(db, shape.join(' | '), values, () => ({ compile: () => statement().compile(db) }));
    const first = Number(rows[0]!.last_seq) - n + 1;
    return events.map((e, i): EventRecord => ({ ...e, sessionId, seq: first + i }));
  } catch (err) {
    if (isRefusal(err)) return undefined;
    throw err;
  }
}

/** The error above: invalid_text_representation with our text. */
function isRefusal(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e.code === '22P02' && typeof e.message === 'string' && e.message.includes(REFUSED);
}

// The per-session append-only event log.
import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import type { EventFilter, EventRange, EventRecord, EventRepository, LeaseClaim, LeaseFence, NewEvent, Page, PageRequest, RangeAnnouncement } from '../types.js';
import { LeaseLost } from '../errors.js';
import type { Database, SessionEventsTable } from './schema.js';
import { fromJson, toJson } from './json.js';
import { rowsShape, rowValues, runShaped } from './shaped-statements.js';
import { pageQuery, toPage, whereCreatedAt } from './paging.js';
import { KyselySessionRepository, leaseClaimable } from './session-repository.js';
import { eventColumns, insertNumberedEvents, updateInternals } from './event-rows.js';

// Rows were written from typed records: their body and internal match their type. A row read without
// `internal` (SHOWN_COLUMNS) gives a record without it.
const toRecord = (r: Omit<Selectable<SessionEventsTable>, 'internal'> & { internal?: string | null }): EventRecord =>
  ({
    sessionId: r.session_id,
    seq: Number(r.seq),
    id: r.id,
    threadId: r.thread_id,
    ...(Number(r.cross_posted) === 1 ? { crossPosted: true } : {}),
    type: r.type,
    body: fromJson(r.body),
    processedAt: r.processed_at,
    createdAt: r.created_at,
    ...(r.internal == null ? {} : { internal: fromJson<unknown>(r.internal) }),
  }) as EventRecord;

/** Every column but the engine's own data (`internal`): what clients are shown of an event. */
const SHOWN_COLUMNS = ['session_id', 'seq', 'id', 'thread_id', 'cross_posted', 'type', 'body', 'processed_at', 'created_at'] as const;

const toRow = (r: EventRecord) => ({ session_id: r.sessionId, seq: r.seq, ...eventColumns(r) });

/** Replaces an event's engine-only data (on the repository's database or a transaction's). */
async function setInternalOn(db: Kysely<Database>, sessionId: string, id: string, internal: unknown): Promise<void> {
  const json = toJson(internal);
  await runShaped(db, 'events.setInternal', [json, sessionId, id], () =>
    db.updateTable('session_events').set({ internal: json }).where('session_id', '=', sessionId).where('id', '=', id),
  );
}

/** Reserves `n` sequence numbers on the session's row (taking its lock); callers add their conditions and `returning`. */
const reserveNumbers = (tx: Kysely<Database>, sessionId: string, n: number) =>
  tx
    .updateTable('sessions')
    .set((eb) => ({ last_seq: eb('last_seq', '+', n) }))
    .where('id', '=', sessionId);

const numbered = (sessionId: string, events: NewEvent[], last: number): EventRecord[] => {
  const first = last - events.length + 1;
  return events.map((e, i): EventRecord => ({ ...e, sessionId, seq: first + i }));
};

export class KyselyEventRepository implements EventRepository {
  constructor(
    private readonly db: Kysely<Database>,
    /** PostgreSQL: fenced writes as one statement each (data-modifying WITH, unnest, pg_notify). */
    private readonly oneStatement: boolean,
  ) {}

  async append(sessionId: string, events: NewEvent[], fence?: LeaseFence, reservedThrough?: number): Promise<EventRecord[]> {
    if (events.length === 0) return [];
    if (reservedThrough !== undefined) {
      if (!this.db.isTransaction || fence) throw new Error('append: reserved numbers come from lockLog, in the same unfenced transaction');
      return this.insert(this.db, sessionId, events, reservedThrough);
    }
    const write = async (tx: Kysely<Database>): Promise<EventRecord[]> => {
      // Reserving the sequence range locks the session row, serialising appends per session
      // (also across PostgreSQL replicas).
      const values = [events.length, sessionId, ...(fence ? [fence.owner, fence.token] : [])];
      const { rows } = await runShaped(tx, fence ? 'events.reserve fenced' : 'events.reserve', values, () => {
        const reserve = reserveNumbers(tx, sessionId, events.length);
        return (fence ? reserve.where('lease_owner', '=', fence.owner).where('lease_token', '=', fence.token) : reserve).returning('last_seq');
      });
      const row = rows[0];
      if (!row) throw fence ? new LeaseLost(sessionId) : new Error(`session ${sessionId} not found`);
      return this.insert(tx, sessionId, events, Number(row.last_seq));
    };
    return this.db.isTransaction ? write(this.db) : this.db.transaction().execute(write);
  }

  /** Writes `events` at the numbers reserved up to `last` (the session's last_seq after the reservation). */
  private async insert(tx: Kysely<Database>, sessionId: string, events: NewEvent[], last: number): Promise<EventRecord[]> {
    const records = numbered(sessionId, events, last);
    const rows = records.map(toRow);
    const { columns, key } = rowsShape(rows);
    await runShaped(tx, `insert session_events ${key}`, rowValues(rows, columns), () => tx.insertInto('session_events').values(rows));
    return records;
  }

  async appendFenced(sessionId: string, events: NewEvent[], fence: LeaseFence, announce?: RangeAnnouncement): Promise<EventRecord[]> {
    if (events.length === 0) return [];
    if (!this.oneStatement) {
      if (announce) throw new Error('appendFenced: this store has no signals to announce with');
      return this.append(sessionId, events, fence);
    }
    // The reservation, the rows and the NOTIFY in one statement (its own transaction): one round trip
    // instead of five.
    const last = await this.appendWhere(sessionId, events, sql`lease_owner = ${fence.owner} and lease_token = ${fence.token}`, announce);
    if (last === undefined) throw new LeaseLost(sessionId);
    return numbered(sessionId, events, last);
  }

  async appendToOpenSession(workspaceId: string, sessionId: string, events: NewEvent[], announce?: RangeAnnouncement): Promise<EventRecord[] | undefined> {
    if (events.length === 0) return undefined;
    if (!this.oneStatement) {
      if (announce) throw new Error('appendToOpenSession: this store has no signals to announce with');
      return this.db.isTransaction ? this.appendIfOpen(this.db, workspaceId, sessionId, events) : this.db.transaction().execute((tx) => this.appendIfOpen(tx, workspaceId, sessionId, events));
    }
    // As appendFenced, with the session's own checks (in the workspace, not archived, not terminated) for the fence.
    const condition = sql`workspace_id = ${workspaceId} and archived_at is null and status <> 'terminated'`;
    const last = await this.appendWhere(sessionId, events, condition, announce);
    return last === undefined ? undefined : numbered(sessionId, events, last);
  }

  /**
   * SQLite: the same checks in the reservation's WHERE, then the rows: two prepared statements in the caller's
   * transaction, where the general path reads and parses the whole session row first.
   */
  private async appendIfOpen(tx: Kysely<Database>, workspaceId: string, sessionId: string, events: NewEvent[]): Promise<EventRecord[] | undefined> {
    const n = events.length;
    const { rows } = await runShaped(tx, 'events.reserve open', [n, sessionId, workspaceId, 'terminated'], () =>
      reserveNumbers(tx, sessionId, n)
        .where('workspace_id', '=', workspaceId)
        .where('archived_at', 'is', null)
        .where('status', '<>', 'terminated')
        .returning('last_seq'),
    );
    const row = rows[0];
    return row ? this.insert(tx, sessionId, events, Number(row.last_seq)) : undefined;
  }

  /**
   * PostgreSQL: reserves the events' numbers on the session's row where `condition` holds, inserts them and sends
   * `announce`, in one statement. The session's last_seq after it, or undefined (no row: nothing written).
   */
  private async appendWhere(sessionId: string, events: NewEvent[], condition: RawBuilder<unknown>, announce?: RangeAnnouncement): Promise<number | undefined> {
    const n = events.length;
    const notify = announce
      ? sql`, pg_notify(${announce.channel}, ${announce.before}::text || (last_seq - ${n} + 1)::text || ' ' || last_seq::text || ${announce.after}::text)`
      : sql``;
    const { rows } = await sql<{ last_seq: number }>`
      with reserve as (
        update sessions set last_seq = last_seq + ${n}
        where id = ${sessionId} and ${condition}
        returning last_seq
      ), appended as (${insertNumberedEvents(sessionId, events, 'reserve').query})
      select last_seq${notify} from reserve`.execute(this.db);
    const last = rows[0]?.last_seq;
    return last === undefined ? undefined : Number(last);
  }

  async setInternalsFenced(sessionId: string, internals: ReadonlyArray<{ id: string; internal: unknown }>, fence: LeaseFence): Promise<boolean> {
    if (!this.oneStatement) {
      const write = async (tx: Kysely<Database>) => {
        // The lease check takes the session row's lock, as the other writes' checks do.
        if (!(await new KyselySessionRepository(tx).holdsLease(sessionId, fence.owner, fence.token))) return false;
        for (const { id, internal } of internals) await setInternalOn(tx, sessionId, id, internal);
        return true;
      };
      return this.db.isTransaction ? write(this.db) : this.db.transaction().execute(write);
    }
    const { rows } = await sql<{ held: number }>`
      with held as (
        select id from sessions
        where id = ${sessionId} and lease_owner = ${fence.owner} and lease_token = ${fence.token}
        for update
      ), changed as (${updateInternals(internals, 'held').query})
      select count(*)::int as held from held`.execute(this.db);
    return Number(rows[0]?.held) === 1;
  }

  async list(sessionId: string, filter: EventFilter, page: PageRequest<number>): Promise<Page<EventRecord>> {
    let q = this.db.selectFrom('session_events').selectAll().where('session_id', '=', sessionId);
    if (filter.types && filter.types.length > 0) q = q.where('type', 'in', filter.types);
    const view = filter.view;
    if (view?.kind === 'session') q = q.where((eb) => eb.or([eb('thread_id', 'is', null), eb('cross_posted', '=', 1)]));
    if (view?.kind === 'thread') q = view.threadId === null ? q.where('thread_id', 'is', null) : q.where('thread_id', '=', view.threadId);
    q = whereCreatedAt(q, 'created_at', filter.createdAt);
    return toPage(await pageQuery(q, 'seq', page).execute(), page, toRecord);
  }

  async after(sessionId: string, afterSeq: number, limit: number): Promise<EventRecord[]> {
    const rows = await this.db
      .selectFrom('session_events')
      .selectAll()
      .where('session_id', '=', sessionId)
      .where('seq', '>', afterSeq)
      .orderBy('seq', 'asc')
      .limit(limit)
      .execute();
    return rows.map(toRecord);
  }

  async ranges(ranges: readonly EventRange[]): Promise<EventRecord[]> {
    if (ranges.length === 0) return [];
    // Read for streams on another replica at every commit it is told of: the statement's text is built once per
    // number of ranges, and the engine's data (a model response's whole content) is neither sent nor parsed.
    const values = ranges.flatMap((r) => [r.sessionId, r.first, r.last]);
    const { rows } = await runShaped(this.db, `events.ranges:${ranges.length}`, values, () =>
      this.db
        .selectFrom('session_events')
        .select(SHOWN_COLUMNS)
        .where((eb) =>
          eb.or(ranges.map((r) => eb.and([eb('session_id', '=', r.sessionId), eb('seq', '>=', r.first), eb('seq', '<=', r.last)]))),
        )
        .orderBy('session_id')
        .orderBy('seq'),
    );
    return rows.map(toRecord);
  }

  async get(sessionId: string, id: string): Promise<EventRecord | undefined> {
    const row = await this.db
      .selectFrom('session_events')
      .selectAll()
      .where('session_id', '=', sessionId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  async markProcessed(sessionId: string, ids: string[], at: string): Promise<void> {
    if (ids.length === 0) return;
    await this.db
      .updateTable('session_events')
      .set({ processed_at: at })
      .where('session_id', '=', sessionId)
      .where('id', 'in', ids)
      .where('processed_at', 'is', null)
      .execute();
  }

  async sessionsWithQueuedEvents(claimable?: LeaseClaim): Promise<string[]> {
    let query = this.db.selectFrom('session_events').select('session_id').distinct().where('processed_at', 'is', null);
    if (claimable) {
      query = query.where('session_id', 'in', (eb) =>
        eb.selectFrom('sessions').select('id').where((s) => leaseClaimable(s, claimable)),
      );
    }
    const rows = await query.execute();
    return rows.map((r) => r.session_id);
  }

  async hasQueued(sessionId: string, afterSeq: number): Promise<boolean> {
    const row = await this.db
      .selectFrom('session_events')
      .select('seq')
      .where('session_id', '=', sessionId)
      .where('processed_at', 'is', null)
      .where('seq', '>', afterSeq)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  setInternal(sessionId: string, id: string, internal: unknown): Promise<void> {
    return setInternalOn(this.db, sessionId, id, internal);
  }
}

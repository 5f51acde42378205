// How an event is stored: its columns, shared by every statement that writes session_events.
import type { NewEvent } from '../types.js';
import { sql, type RawBuilder } from 'kysely';
import { toJson } from './json.js';

/** An event's own columns, before it has a session and number (body and internal as JSON text). */
export const eventColumns = (e: NewEvent) => ({
  id: e.id,
  thread_id: e.threadId,
  cross_posted: e.crossPosted ? 1 : 0,
  type: e.type,
  body: toJson(e.body),
  processed_at: e.processedAt,
  created_at: e.createdAt,
  internal: e.internal === undefined ? null : toJson(e.internal),
});

/**
 * PostgreSQL: the INSERT (for a WITH entry) of `events` numbered after the last_seq that the WITH entry `reserved`
 * returned (the session's last_seq after adding `events.length`). The rows travel as one array per column, so the
 * statement's text is the same for any number of events. `values`: its parameters, in order (see runShaped).
 */
export function insertNumberedEvents(sessionId: string, events: readonly NewEvent[], reserved: string): { query: RawBuilder<unknown>; values: unknown[] } {
  const n = events.length;
  const rows = events.map(eventColumns);
  const column = <K extends keyof (typeof rows)[number]>(k: K) => rows.map((r) => r[k]);
  const arrays = [column('id'), column('thread_id'), column('cross_posted'), column('type'), column('body'), column('processed_at'), column('created_at'), column('internal')] as const;
  const [ids, threads, crossPosted, types, bodies, processedAt, createdAt, internals] = arrays;
  const from = sql.ref(reserved);
  const query = sql`insert into session_events (session_id, seq, id, thread_id, cross_posted, type, body, processed_at, created_at, internal)
        select ${sessionId}, ${from}.last_seq - ${n} + v.k, v.id, v.thread_id, v.cross_posted, v.type, v.body, v.processed_at, v.created_at, v.internal
        from ${from}, unnest(${ids}::text[], ${threads}::text[], ${crossPosted}::int[], ${types}::text[],
          ${bodies}::text[], ${processedAt}::text[], ${createdAt}::text[], ${internals}::text[])
          with ordinality as v(id, thread_id, cross_posted, type, body, processed_at, created_at, internal, k)`;
  return { query, values: [sessionId, n, ...arrays] };
}

/**
 * PostgreSQL: the UPDATE (for a WITH entry) replacing the engine data of events of the session whose row the WITH
 * entry `held` returned (its `id`). One row per event: an UPDATE … FROM applies an arbitrary one of several matches,
 * so the last given for an id is the one kept, as one update per marker after another would. `values`: its
 * parameters, in order (see runShaped).
 */
export function updateInternals(internals: ReadonlyArray<{ id: string; internal: unknown }>, held: string): { query: RawBuilder<unknown>; values: unknown[] } {
  const latest = [...new Map(internals.map((i) => [i.id, toJson(i.internal)])).entries()];
  const ids = latest.map(([id]) => id);
  const jsons = latest.map(([, json]) => json);
  const from = sql.ref(held);
  const query = sql`update session_events set internal = v.internal
        from ${from}, unnest(${ids}::text[], ${jsons}::text[]) as v(id, internal)
        where session_events.session_id = ${from}.id and session_events.id = v.id`;
  return { query, values: [ids, jsons] };
}

// Client events into a session's log: validated as a batch, written atomically or not at all.
import { parseClientEvent } from '../api/schemas/parse-client-event.js';
import type { ClientEventInput } from '../api/schemas/event.js';
import { newId } from '../api/ids.js';
import { conflict, invalidRequest, notFound } from '../errors.js';
import type { EventRecord, NewEvent, SessionRecord, Store } from '../store/types.js';
import type { CommandContext } from './context.js';
import { checkAnswers } from './check-answers.js';
import { primaryThreadId } from './threads.js';
import { pendingResource, TERMINAL_RESULTS, withOutcome } from '../domain/outcome.js';

/** Refuses input to sessions that can no longer take it. */
export function assertAcceptsEvents(session: SessionRecord): void {
  if (session.archivedAt) throw conflict(`session ${session.id} is archived and read-only`);
  if (session.status === 'terminated') throw conflict(`session ${session.id} is terminated and cannot accept events`);
}

/** Turns a validated client event into a log entry, queued (`processed_at: null`). */
export function clientEventRecord(e: ClientEventInput, now: string): NewEvent {
  const id = newId('sevt');
  const body = e.type === 'user.define_outcome' ? { id, ...e, outcome_id: newId('outc'), max_iterations: e.max_iterations ?? 3 } : { id, ...e };
  // An interrupt may target one thread; answers stay on the session's stream (the engine routes
  // them to their call's thread, so the echoed session_thread_id is informative only).
  const threadId = e.type === 'user.interrupt' && e.session_thread_id ? e.session_thread_id : null;
  // The request schemas mirror the SDK's event params, so the parsed event is its wire body.
  return { id, threadId, type: e.type, body, processedAt: null, createdAt: now } as NewEvent;
}

/**
 * An interrupt naming a thread must name one of the session's (400 otherwise); naming the primary
 * thread is naming the session. Returns the events with the primary's id dropped.
 */
export async function resolveThreadTargets(store: Store, sessionId: string, events: ClientEventInput[], prefix: string): Promise<ClientEventInput[]> {
  const out: ClientEventInput[] = [];
  for (const [i, e] of events.entries()) {
    if (e.type !== 'user.interrupt' || !e.session_thread_id) {
      out.push(e);
      continue;
    }
    if (e.session_thread_id === primaryThreadId(sessionId)) {
      out.push({ ...e, session_thread_id: null });
      continue;
    }
    const created = await store.events.list(sessionId, { types: ['session.thread_created'], createdAt: {}, view: { kind: 'thread', threadId: e.session_thread_id } }, { limit: 1, order: 'asc' });
    if (created.items.length === 0) throw invalidRequest(`${prefix}[${i}].session_thread_id: thread ${e.session_thread_id} not found in session ${sessionId}`);
    out.push(e);
  }
  return out;
}

/** Checks references a client event makes to other resources (files for outcome rubrics). */
export async function checkEventReferences(
  store: Store,
  workspaceId: string,
  e: ClientEventInput,
  field: string,
): Promise<void> {
  if (e.type === 'user.define_outcome' && e.rubric.type === 'file') {
    if (!(await store.files.get(workspaceId, e.rubric.file_id))) {
      throw invalidRequest(`${field}.rubric.file_id: file ${e.rubric.file_id} not found`);
    }
  }
}

/**
 * The session's outcomes with the batch's new ones added as `pending`. One outcome at a time: a
 * definition while another is not terminal yet is refused (chain after its terminal evaluation).
 */
function definedOutcomes(session: SessionRecord, records: NewEvent[]): SessionRecord['outcomeEvaluations'] {
  let list = session.outcomeEvaluations;
  for (const [i, r] of records.entries()) {
    if (r.type !== 'user.define_outcome') continue;
    const active = list.find((o) => !TERMINAL_RESULTS.has(o.result));
    if (active) {
      throw invalidRequest(
        `events[${i}]: outcome ${active.outcome_id} is still ${active.result}; define the next outcome after its terminal span.outcome_evaluation_end`,
      );
    }
    list = withOutcome(list, pendingResource(r.body.outcome_id, r.body.description));
  }
  return list;
}

export async function sendEvents(
  ctx: CommandContext,
  workspaceId: string,
  sessionId: string,
  rawEvents: unknown[],
): Promise<EventRecord[]> {
  const parsed = rawEvents.map((raw, i) => parseClientEvent(raw, `events[${i}]`));
  const now = ctx.now();
  // Messages need no check but the session's own (it exists here and takes input), made in the append itself.
  if (parsed.every((e) => e.type === 'user.message')) {
    const appended = await ctx.log.appendToOpenSession(workspaceId, sessionId, parsed.map((e) => clientEventRecord(e, now)));
    if (appended) return appended;
  }
  return ctx.log.transaction(async (tx, emit) => {
    // Locked first (with the events' sequence numbers reserved in the same statement), so the
    // answers checked here still hold when they are appended: two clients answering one call,
    // exactly one wins. A refusal below rolls the reservation back with the rest.
    const current = await tx.sessions.lockLog(sessionId, parsed.length);
    if (!current || current.workspaceId !== workspaceId) throw notFound(`session ${sessionId} not found`);
    assertAcceptsEvents(current);
    const events = await resolveThreadTargets(tx, sessionId, parsed, 'events');
    for (const [i, e] of events.entries()) await checkEventReferences(tx, workspaceId, e, `events[${i}]`);
    await checkAnswers(tx, current, events);
    const records = events.map((e) => clientEventRecord(e, now));
    const outcomes = definedOutcomes(current, records);
    const written = await emit(sessionId, records, undefined, current.lastSeq);
    if (outcomes !== current.outcomeEvaluations) await tx.sessions.setRuntime(sessionId, { outcomeEvaluations: outcomes }, now);
    return written;
  });
}

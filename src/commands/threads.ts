// Multi-agent threads as the Threads API shows them, derived from the session's log (the log is
// the only state): each session.thread_created, the thread's latest status event, its model usage.
// The primary thread is the session itself, with an id derived from the session's.
import type { BetaManagedAgentsSessionThread } from '@anthropic-ai/sdk/resources/beta/sessions/threads/threads.js';
import type { SessionAgent } from '../api/wire.js';
import { conflict, invalidRequest, notFound } from '../errors.js';
import { engineEvent } from '../domain/changes/engine-event.js';
import { newId } from '../api/ids.js';
import type { EventRecord, SessionRecord, Store } from '../store/types.js';
import type { CommandContext } from './context.js';

export type SessionThread = BetaManagedAgentsSessionThread;

/** The primary thread's id: the session's, in the thread id space. */
export const primaryThreadId = (sessionId: string) => `sthr_${sessionId.replace(/^sesn_/, '')}`;

const STATUS_OF: Record<string, SessionThread['status']> = {
  'session.thread_status_running': 'running',
  'session.thread_status_idle': 'idle',
  'session.thread_status_rescheduled': 'rescheduling',
  'session.thread_status_terminated': 'terminated',
};

const TYPES = ['session.thread_created', ...Object.keys(STATUS_OF), 'span.model_request_end'];

function threadAgent(a: SessionAgent): SessionThread['agent'] {
  const { multiagent: _roster, ...agent } = a;
  return agent as SessionThread['agent'];
}

type Usage = NonNullable<SessionThread['usage']>;
const emptyUsage = (): Usage => ({ input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 } });

async function threadEvents(store: Store, sessionId: string): Promise<EventRecord[]> {
  const out: EventRecord[] = [];
  let cursor: number | undefined;
  for (;;) {
    const page = await store.events.list(sessionId, { types: TYPES, createdAt: {} }, { limit: 1000, order: 'asc', ...(cursor !== undefined ? { cursor: { key: cursor, direction: 'next' as const } } : {}) });
    out.push(...page.items);
    if (!page.hasMore || page.items.length === 0) return out;
    cursor = page.items[page.items.length - 1]!.seq;
  }
}

/** Every thread of the session, the primary first. */
export async function listThreads(store: Store, session: SessionRecord): Promise<SessionThread[]> {
  const primaryId = primaryThreadId(session.id);
  const primary: SessionThread = {
    type: 'session_thread',
    id: primaryId,
    session_id: session.id,
    parent_thread_id: null,
    agent: threadAgent(session.agent),
    status: session.status,
    archived_at: session.archivedAt,
    created_at: session.createdAt,
    updated_at: session.updatedAt,
    stats: null,
    usage: emptyUsage(),
    workflow_run_id: null,
  };
  const threads = new Map<string, SessionThread>([[primaryId, primary]]);
  for (const e of await threadEvents(store, session.id)) {
    const key = e.threadId ?? primaryId;
    if (e.type === 'session.thread_created' && e.internal) {
      threads.set(key, { ...primary, id: key, parent_thread_id: primaryId, agent: threadAgent(e.internal.agent), status: 'idle', archived_at: null, created_at: e.createdAt, updated_at: e.createdAt, usage: emptyUsage() });
      continue;
    }
    const thread = threads.get(key);
    if (!thread) continue;
    if (e.type === 'span.model_request_end') {
      const u = thread.usage!;
      u.input_tokens! += e.body.model_usage.input_tokens;
      u.output_tokens! += e.body.model_usage.output_tokens;
      u.cache_read_input_tokens! += e.body.model_usage.cache_read_input_tokens;
      u.cache_creation!.ephemeral_5m_input_tokens! += e.body.model_usage.cache_creation_input_tokens;
      continue;
    }
    if (key === primaryId) continue; // the primary's status is the session's
    thread.status = STATUS_OF[e.type] ?? thread.status;
    thread.updated_at = e.createdAt;
    if (e.type === 'session.thread_status_terminated') thread.archived_at = e.createdAt;
  }
  return [...threads.values()];
}

export async function getThread(store: Store, session: SessionRecord, threadId: string): Promise<SessionThread> {
  const thread = (await listThreads(store, session)).find((t) => t.id === threadId);
  if (!thread) throw notFound(`thread ${threadId} not found in session ${session.id}`);
  return thread;
}

/** The log's thread id of a thread (null for the primary). */
export const logThreadId = (session: SessionRecord, thread: SessionThread) => (thread.parent_thread_id === null ? null : thread.id);

/** Archives an idle child thread: session.thread_status_terminated, after which it takes no more work. */
export async function archiveThread(ctx: CommandContext, session: SessionRecord, threadId: string): Promise<SessionThread> {
  const thread = await getThread(ctx.store, session, threadId);
  if (thread.parent_thread_id === null) throw invalidRequest(`thread ${threadId} is the session's primary thread: archive the session instead`);
  if (thread.archived_at !== null) return thread;
  if (thread.status !== 'idle') throw conflict(`thread ${threadId} is ${thread.status}; archive it once it is idle`);
  const at = ctx.now();
  await ctx.log.transaction(async (tx, emit) => {
    await tx.sessions.lockLog(session.id);
    const event = engineEvent(
      'session.thread_status_terminated',
      { session_thread_id: thread.id, agent_name: (thread.agent as { name: string }).name },
      { at, newId: (p) => newId(p as never) },
      { thread: thread.id, crossPost: true },
    );
    await emit(session.id, [event]);
  });
  return getThread(ctx.store, session, threadId);
}

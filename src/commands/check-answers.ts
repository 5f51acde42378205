// Looks up what client answers refer to, inside the transaction that records them (the session's
// log locked), and checks them (domain/client-answers.ts). Only the current turn is read: every
// call before the latest model request is answered or void by then (the engine calls the model
// only once no call is open), so the log from that request on decides every open call.
import type { ClientEventInput } from '../api/schemas/event.js';
import { checkClientAnswers, NEEDS_LOG, type CallStatus } from '../domain/client-answers.js';
import { foldLog } from '../domain/fold.js';
import { primaryThread } from '../domain/session-state.js';
import type { SessionRecord, Store } from '../store/types.js';

const referencedCalls = (events: readonly ClientEventInput[]) =>
  events.flatMap((e) =>
    e.type === 'user.custom_tool_result' ? [e.custom_tool_use_id] : e.type === 'user.tool_confirmation' || e.type === 'user.tool_result' ? [e.tool_use_id] : [],
  );

/** `tx` must be a transaction that has locked the session's log (sessions.lockLog). */
export async function checkAnswers(tx: Store, session: SessionRecord, events: readonly ClientEventInput[]): Promise<void> {
  if (!events.some((e) => NEEDS_LOG.has(e.type))) return;
  // With threads, each has its own current turn: read the whole log (multi-agent sessions only).
  const threaded = await tx.events.list(session.id, { types: ['session.thread_created'], createdAt: {} }, { limit: 1, order: 'asc' });
  const latest = await tx.events.list(session.id, { types: ['span.model_request_start'], createdAt: {} }, { limit: 1, order: 'desc' });
  const from = threaded.items.length > 0 ? 1 : (latest.items[0]?.seq ?? 1);
  const turn = foldLog(await tx.events.after(session.id, from - 1, Number.MAX_SAFE_INTEGER));

  const known = new Map<string, CallStatus>();
  for (const [id, call] of turn.calls) {
    if (call.kind === 'delegate') continue;
    known.set(id, {
      kind: call.kind,
      permission: call.permission,
      pending: !call.result && !call.interrupted,
      confirmed: call.confirmation !== undefined,
    });
  }
  for (const id of referencedCalls(events)) {
    if (known.has(id)) continue;
    const earlier = await tx.events.get(session.id, id);
    if (earlier?.type === 'agent.tool_use') {
      known.set(id, { kind: 'builtin', permission: earlier.body.evaluated_permission ?? 'allow', pending: false, confirmed: false });
    } else if (earlier?.type === 'agent.custom_tool_use') {
      known.set(id, { kind: 'custom', permission: 'allow', pending: false, confirmed: false });
    }
  }
  const thread = primaryThread(turn);
  const environment = await tx.environments.get(session.workspaceId, session.environmentId);
  checkClientAnswers(events, {
    call: (id) => known.get(id),
    requiresAction: thread.status === 'idle' && thread.waitingOn !== undefined,
    selfHosted: environment?.config.type === 'self_hosted',
  });
}

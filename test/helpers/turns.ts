// Driving agent turns the way client-patterns.md says clients do: stream first, then send,
// and stop only on idle with a terminal stop_reason (or termination).
import type Anthropic from '@anthropic-ai/sdk';
import type { BetaManagedAgentsStreamSessionEvents } from '@anthropic-ai/sdk/resources/beta/sessions/events.js';
import { StreamReader } from './stream.js';

export type StreamEvent = BetaManagedAgentsStreamSessionEvents;

export const isTerminal = (e: StreamEvent) =>
  e.type === 'session.status_terminated' || (e.type === 'session.status_idle' && e.stop_reason.type !== 'requires_action');

export const isIdle = (e: StreamEvent) => e.type === 'session.status_idle' || e.type === 'session.status_terminated';

/** Opens a stream on the session; `send` the events, then read until `until` matches. */
export async function streamWhile(
  client: Anthropic,
  sessionId: string,
  send: () => Promise<unknown>,
  until: (e: StreamEvent) => boolean = isTerminal,
  timeoutMs = 15_000,
): Promise<StreamEvent[]> {
  const stream = await client.beta.sessions.events.stream(sessionId);
  try {
    await send();
    return await new StreamReader(stream).until(until, timeoutMs);
  } finally {
    stream.controller.abort();
  }
}

export function sendText(client: Anthropic, sessionId: string, ...texts: string[]) {
  return client.beta.sessions.events.send(sessionId, {
    events: texts.map((text) => ({ type: 'user.message' as const, content: [{ type: 'text' as const, text }] })),
  });
}

export const typesOf = (events: StreamEvent[]) => events.map((e) => e.type);

/** Polls until every queued client event is processed and the session idles on a terminal reason. */
export async function waitSettled(client: Anthropic, sessionId: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const events = (await client.beta.sessions.events.list(sessionId)).data as StreamEvent[];
    const queued = events.some((e) => e.type.startsWith('user.') && 'processed_at' in e && e.processed_at === null);
    const last = events.at(-1);
    if (!queued && last && isTerminal(last)) return events;
    if (Date.now() > deadline) throw new Error(`session ${sessionId} never settled: ${events.map((e) => e.type).join(', ')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

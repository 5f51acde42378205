// Builders for the events the engine writes, typed by the SDK's session event union.
import type { EventBody, EventFields, InternalOf, NewEvent, SessionEventType } from '../records/event.js';
import type { ChangeEnv } from './log-changes.js';
import { PRIMARY_THREAD } from '../session-state.js';

/**
 * An engine event of `thread`: processed as soon as it is written. `internal` stays server-side.
 */
export function engineEvent<T extends SessionEventType>(
  type: T,
  fields: EventFields<T>,
  env: ChangeEnv,
  opts: { internal?: InternalOf<T>; thread?: string; id?: string | undefined; crossPost?: boolean } = {},
): NewEvent<T> {
  // An id given in advance is the one a live preview (event_start) already announced.
  const id = opts.id ?? env.newId('sevt');
  // The spread of a generic Omit cannot be checked structurally; `fields` was checked against T.
  const body = { id, type, ...fields } as EventBody<T>;
  const event = {
    id,
    threadId: opts.thread === undefined || opts.thread === PRIMARY_THREAD ? null : opts.thread,
    ...(opts.crossPost ? { crossPosted: true } : {}),
    type,
    body,
    processedAt: env.at,
    createdAt: env.at,
    ...(opts.internal === undefined ? {} : { internal: opts.internal }),
  };
  return event as NewEvent<T>;
}

export const textContent = (text: string) => [{ type: 'text' as const, text }];

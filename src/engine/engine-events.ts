// Builders for the events the engine writes (wire shapes from the SDK's session event types).
import { newId } from '../api/ids.js';
import type { NewEvent } from '../store/types.js';

/** An engine event: processed as soon as it is written. `internal` stays server-side. */
export function engineEvent(type: string, fields: Record<string, unknown>, now: string, internal?: unknown): NewEvent {
  const id = newId('sevt');
  return {
    id,
    threadId: null,
    type,
    body: { id, type, ...fields },
    processedAt: now,
    createdAt: now,
    ...(internal === undefined ? {} : { internal }),
  };
}

export const textContent = (text: string) => [{ type: 'text' as const, text }];

// Log entries → wire session events (`processed_at` is null while an event is queued).
import type { SessionEvent } from '../../api/wire.js';
import type { EventRecord } from '../../store/types.js';

export function presentEvent(e: EventRecord): SessionEvent {
  // The SDK types processed_at as a string on engine events, which the engine always stamps.
  return { ...e.body, processed_at: e.processedAt } as SessionEvent;
}

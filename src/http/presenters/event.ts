// Log entries → wire session events (`processed_at` is null while an event is queued).
import type { SessionEvent } from '../../api/wire.js';
import type { EventRecord } from '../../store/types.js';

export function presentEvent(e: EventRecord): SessionEvent {
  return { ...e.body, processed_at: e.processedAt } as unknown as SessionEvent;
}

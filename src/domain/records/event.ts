// The session log's entries, typed from the SDK's session event union: `body` is the wire event of
// the entry's `type` (without `processed_at`, which the record keeps), `internal` is the engine's
// server-side data for that type. Switching on `type` narrows both.
import type { SessionEvent, SessionEventType } from '../../api/wire.js';
import type { EngineInternals } from '../event-internal.js';

export type { SessionEventType };

/** The wire event of type `T`. */
export type WireEvent<T extends SessionEventType = SessionEventType> = Extract<SessionEvent, { type: T }>;

/** What the log stores of a wire event: all of it but `processed_at`. */
export type EventBody<T extends SessionEventType = SessionEventType> = T extends SessionEventType
  ? Omit<WireEvent<T>, 'processed_at'>
  : never;

/** The fields an event carries besides its `id` and `type`. */
export type EventFields<T extends SessionEventType> = Omit<EventBody<T>, 'id' | 'type'>;

/** Engine data stored with events of type `T` (see event-internal.ts); never presented. */
export type InternalOf<T extends SessionEventType> = T extends keyof EngineInternals ? EngineInternals[T] : never;

interface TypedEventRecord<T extends SessionEventType> {
  sessionId: string;
  seq: number;
  id: string;
  threadId: string | null;
  /** A child thread's event that the session's stream shows too (thread status, requests for the client). */
  crossPosted?: boolean | undefined;
  type: T;
  body: EventBody<T>;
  processedAt: string | null;
  createdAt: string;
  internal?: InternalOf<T> | undefined;
}

/** One entry of a session's append-only log (a union over event types). */
export type EventRecord<T extends SessionEventType = SessionEventType> = { [K in T]: TypedEventRecord<K> }[T];

/** An entry about to be appended: the log assigns `sessionId` and `seq`. */
export type NewEvent<T extends SessionEventType = SessionEventType> = {
  [K in T]: Omit<TypedEventRecord<K>, 'sessionId' | 'seq'>;
}[T];

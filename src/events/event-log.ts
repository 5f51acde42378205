// Appends to session logs and publishes only after the transaction commits. Webhook deliveries
// that a status change causes are written to the outbox in the same transaction.
import { newId } from '../api/ids.js';
import { webhookEvent, webhookTypesFor } from '../domain/webhook-events.js';
import type { EventRecord, LeaseFence, NewEvent, SessionWrite, Store } from '../store/types.js';
import type { EventBus } from './event-bus.js';

/**
 * Appends within the transaction; with `fence`, only while that lease holds the session (else
 * LeaseLost); with `reservedThrough`, at the numbers the transaction reserved (`sessions.lockLog`).
 */
export type Emit = (sessionId: string, events: NewEvent[], fence?: LeaseFence, reservedThrough?: number) => Promise<EventRecord[]>;

export class EventLog {
  /**
   * The webhook event types enabled endpoints subscribed to when this process last read them (in a transaction that
   * wrote the outbox). Only a hint for which way a write goes: the one-statement write checks the endpoints itself.
   */
  private subscribedHint: ReadonlySet<string> = new Set();

  constructor(
    private readonly store: Store,
    readonly bus: EventBus,
  ) {}

  /**
   * Runs `fn` in one transaction; events it emits become visible to followers only once
   * the whole transaction has committed, so nobody ever sees an event that could roll back.
   */
  async transaction<T>(fn: (tx: Store, emit: Emit) => Promise<T>): Promise<T> {
    const pending: Array<[string, EventRecord[]]> = [];
    const result = await this.store.transaction((tx) =>
      fn(tx, async (sessionId, events, fence, reservedThrough) => {
        const records = await tx.events.append(sessionId, events, fence, reservedThrough);
        const subscribed = await enqueueWebhooks(tx, sessionId, records);
        if (subscribed) this.subscribedHint = subscribed;
        await this.bus.announce(tx, sessionId, records);
        pending.push([sessionId, records]);
        return records;
      }),
    );
    for (const [sessionId, records] of pending) this.bus.publish(sessionId, records);
    return result;
  }

  async append(sessionId: string, events: NewEvent[]): Promise<EventRecord[]> {
    return this.transaction((_tx, emit) => emit(sessionId, events));
  }

  /**
   * Appends while `fence` holds the session: the engine's most frequent write (a tool result, a span),
   * on PostgreSQL one statement with its announcement instead of a transaction of five round trips.
   */
  async appendFenced(sessionId: string, events: NewEvent[], fence: LeaseFence): Promise<EventRecord[]> {
    // An event that may cause a webhook delivery writes the outbox in the same transaction.
    if (events.some((e) => webhookTypesFor(e).length > 0)) return this.transaction((_tx, emit) => emit(sessionId, events, fence));
    const records = await this.store.events.appendFenced(sessionId, events, fence, this.bus.announcement(sessionId, events));
    this.bus.publish(sessionId, records);
    return records;
  }

  /**
   * Client input to a session that takes it (in `workspaceId`, not archived, not terminated), in one statement with
   * its announcement where the store has one (PostgreSQL), published after it commits. Undefined: nothing appended;
   * the caller appends in a transaction, which checks everything and says what is wrong. Events that may cause
   * webhook deliveries always go that way.
   */
  async appendToOpenSession(workspaceId: string, sessionId: string, events: NewEvent[]): Promise<EventRecord[] | undefined> {
    if (events.some((e) => webhookTypesFor(e).length > 0)) return undefined;
    const records = await this.store.events.appendToOpenSession(workspaceId, sessionId, events, this.bus.announcement(sessionId, events));
    if (records) this.bus.publish(sessionId, records);
    return records;
  }

  /** Whether writeSession can make a write in one statement (PostgreSQL); elsewhere it always answers undefined. */
  get writesSessionInOneStatement(): boolean {
    return this.store.writeSession !== undefined;
  }

  /**
   * A write that touches the session's row, in one statement with its announcement, published after it commits
   * (see SessionWrite). Undefined: nothing was written, and the caller writes in a transaction instead: the lease or
   * the row's runtime fields changed, this store has no such statement, or the events cause webhook deliveries (an
   * enabled endpoint subscribes to their types: the transaction writes the outbox).
   */
  async writeSession(sessionId: string, write: SessionWrite, fence: LeaseFence): Promise<EventRecord[] | undefined> {
    const { writeSession } = this.store;
    if (!writeSession) return undefined;
    const webhookTypes = [...new Set(write.events.flatMap((e) => webhookTypesFor(e)))];
    // Known subscribers: straight to the transaction. Otherwise the statement itself refuses if one subscribes now.
    if (webhookTypes.some((t) => this.subscribedHint.has(t))) return undefined;
    const records = await writeSession(sessionId, { ...write, webhookTypes }, fence, this.bus.announcement(sessionId, write.events));
    if (records) this.bus.publish(sessionId, records);
    return records;
  }

  /** Engine-only data of logged events, while `fence` holds the session (false: the lease is lost). */
  setInternalsFenced(sessionId: string, internals: ReadonlyArray<{ id: string; internal: unknown }>, fence: LeaseFence): Promise<boolean> {
    return this.store.events.setInternalsFenced(sessionId, internals, fence);
  }
}

/** The outbox rows a batch of log entries causes (none unless an endpoint subscribes); the types subscribed, if read. */
async function enqueueWebhooks(tx: Store, sessionId: string, records: readonly EventRecord[]): Promise<ReadonlySet<string> | undefined> {
  const causes = records.flatMap((r) => webhookTypesFor(r).map((type) => ({ type, at: r.createdAt })));
  if (causes.length === 0) return undefined;
  // Most installations subscribe to few types or none: the session is read only for a delivery.
  const subscribed = await tx.webhooks.subscribedTypes();
  const caused = causes.filter((c) => subscribed.has(c.type));
  if (caused.length === 0) return subscribed;
  const session = await tx.sessions.find(sessionId);
  if (!session) return subscribed;
  await tx.webhooks.enqueue(
    caused.map((c) => webhookEvent(newId('event'), c.type, sessionId, session.workspaceId, c.at)),
    caused[0]!.at,
    () => newId('whdel'),
  );
  return subscribed;
}

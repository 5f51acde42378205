// The event bus of replicas sharing one database: this process's followers are served in-process
// as before, and every commit is also announced to the other processes through the store's
// signals (PostgreSQL NOTIFY, sent inside the committing transaction). A notification carries
// only ids, sequence numbers and the types of queued input; a receiving process reads the records
// from the store only for its own followers of the session, and wakes its engine from the types.
import type { Logger } from '../logger.js';
import type { EventRange, EventRecord, RangeAnnouncement, Store, StoreSignals } from '../store/types.js';
import {
  InProcessEventBus,
  queuedTypes,
  type AllListener,
  type EventBus,
  type InputListener,
  type InputOptions,
  type LogSubscriber,
  type WakeListener,
  type WakeTopic,
} from './event-bus.js';

/** Few fixed channels: every replica wants every commit (its engine schedules any session). */
export const CHANNELS = { events: 'agentd_events', ends: 'agentd_ends', wakes: 'agentd_wakes' } as const;

/**
 * A notification of committed records: `<origin> <session id> <first seq> <last seq> <origin runs
 * sessions: 1|0> <queued input types, comma-separated, or ->`. Event types hold no spaces or commas.
 * The text around the two numbers, for a store that numbers the records in the statement that sends it.
 */
export function eventsAnnouncement(
  origin: string,
  sessionId: string,
  events: ReadonlyArray<Pick<EventRecord, 'type' | 'processedAt'>>,
  originRuns: boolean,
): RangeAnnouncement {
  const types = queuedTypes(events);
  return { channel: CHANNELS.events, before: `${origin} ${sessionId} `, after: ` ${originRuns ? 1 : 0} ${types.length > 0 ? types.join(',') : '-'}` };
}

export function eventsPayload(origin: string, sessionId: string, records: readonly EventRecord[], originRuns: boolean): string {
  const { before, after } = eventsAnnouncement(origin, sessionId, records, originRuns);
  return `${before}${records[0]!.seq} ${records[records.length - 1]!.seq}${after}`;
}

/** Sessions read in one statement at most (a larger backlog is read in several). */
const MAX_RANGES_PER_READ = 200;

export class NotifyEventBus implements EventBus {
  private readonly local = new InProcessEventBus();
  /** Announced ranges of followed sessions not read yet (merged per session: seqs are dense). */
  private readonly pending = new Map<string, EventRange>();
  /** Reads of announced records, one at a time, so every session's followers get them in order. */
  private reading: Promise<void> = Promise.resolve();
  private readScheduled = false;
  private listener: { close(): Promise<void> } | undefined;
  private listening = false;

  constructor(
    private readonly store: Store,
    private readonly signals: StoreSignals,
    private readonly logger: Logger,
    /** Tells this process's own notifications (which come back to it) from other processes'. */
    private readonly origin: string,
  ) {}

  async start(): Promise<void> {
    this.listener = await this.signals.listen(Object.values(CHANNELS), {
      onSignal: (channel, payload) => this.onSignal(channel, payload),
      onDisconnected: () => {
        this.listening = false;
      },
      onReconnected: () => {
        this.listening = true;
        this.logger.warn('event bus reconnected: followers catch up from the database');
        this.local.missed();
      },
    });
    this.listening = true;
  }

  /** Whether other replicas' commits reach this process now (readiness). */
  get isListening(): boolean {
    return this.listening;
  }

  async close(): Promise<void> {
    await this.listener?.close();
    await this.reading;
  }

  async announce(tx: Store, sessionId: string, records: readonly EventRecord[]): Promise<void> {
    if (records.length === 0) return;
    await tx.signals!.send(CHANNELS.events, eventsPayload(this.origin, sessionId, records, this.local.runsSessions));
  }

  announcement(sessionId: string, events: ReadonlyArray<Pick<EventRecord, 'type' | 'processedAt'>>): RangeAnnouncement | undefined {
    return events.length === 0 ? undefined : eventsAnnouncement(this.origin, sessionId, events, this.local.runsSessions);
  }

  publish(sessionId: string, records: readonly EventRecord[]): void {
    this.local.publish(sessionId, records);
  }

  end(sessionId: string): void {
    this.local.end(sessionId);
    this.send(CHANNELS.ends, `${this.origin} ${sessionId}`);
  }

  subscribe(sessionId: string, subscriber: LogSubscriber): () => void {
    return this.local.subscribe(sessionId, subscriber);
  }

  readonly shared = true;

  subscribeAll(listener: AllListener): () => void {
    return this.local.subscribeAll(listener);
  }

  onInput(listener: InputListener, opts?: InputOptions): () => void {
    return this.local.onInput(listener, opts);
  }

  wake(topic: WakeTopic, key: string): void {
    this.local.wake(topic, key);
    this.send(CHANNELS.wakes, `${this.origin} ${topic} ${key}`);
  }

  onWake(topic: WakeTopic, listener: WakeListener): () => void {
    return this.local.onWake(topic, listener);
  }

  /** Sends outside any transaction: for changes that have already committed. */
  private send(channel: string, payload: string): void {
    this.signals.send(channel, payload).catch((err: unknown) => {
      this.logger.error({ err, channel }, 'sending a signal to the other replicas failed');
    });
  }

  private onSignal(channel: string, payload: string): void {
    const [origin, a, b, c, runs, types] = payload.split(' ');
    if (origin === this.origin || a === undefined) return;
    if (channel === CHANNELS.events) {
      this.onRemoteEvents(a, Number(b), Number(c));
      // Every remote append reaches the engine, queued input or not: a runner holding the session reads it again.
      this.local.input(a, types && types !== '-' ? types.split(',') : [], { originRuns: runs === '1' });
    } else if (channel === CHANNELS.ends) this.local.end(a);
    else if (channel === CHANNELS.wakes && b !== undefined) this.local.wake(a as WakeTopic, b);
  }

  private onRemoteEvents(sessionId: string, first: number, last: number): void {
    if (!Number.isInteger(first) || !Number.isInteger(last) || last < first) return;
    if (!this.local.follows(sessionId)) return;
    const pending = this.pending.get(sessionId);
    if (pending) {
      pending.first = Math.min(pending.first, first);
      pending.last = Math.max(pending.last, last);
    } else this.pending.set(sessionId, { sessionId, first, last });
    this.scheduleRead();
  }

  /**
   * A read after the one under way: announcements heard meanwhile (and those parsed from the same
   * packet as this one) are read together, in one statement.
   */
  private scheduleRead(): void {
    if (this.readScheduled) return;
    this.readScheduled = true;
    this.reading = this.reading.then(() => this.readPending());
  }

  /** Reads every announced range not read yet, and hands each session's records to its followers. */
  private async readPending(): Promise<void> {
    this.readScheduled = false;
    const ranges = [...this.pending.values()].slice(0, MAX_RANGES_PER_READ);
    for (const r of ranges) this.pending.delete(r.sessionId);
    if (this.pending.size > 0) this.scheduleRead();
    try {
      const records = await this.store.events.ranges(ranges);
      // Sorted by session and sequence: one delivery per session.
      let from = 0;
      for (let i = 1; i <= records.length; i++) {
        if (i < records.length && records[i]!.sessionId === records[from]!.sessionId) continue;
        this.local.deliver(records[from]!.sessionId, records.slice(from, i));
        from = i;
      }
    } catch (err) {
      // Followers that miss these announcements read the store themselves.
      this.logger.error({ err, sessions: ranges.length }, 'reading announced events failed');
      this.local.missed();
    }
  }
}

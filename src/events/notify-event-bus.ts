// The event bus of replicas sharing one database: this process's followers are served in-process
// as before, and every commit is also announced to the other processes through the store's
// signals (PostgreSQL NOTIFY, sent inside the committing transaction). A notification carries
// only ids, sequence numbers and the types of queued input; a receiving process reads the records
// from the store only for its own followers of the session, and wakes its engine from the types.
import type { Logger } from '../logger.js';
import type { EventRecord, Store, StoreSignals } from '../store/types.js';
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
 */
export function eventsPayload(origin: string, sessionId: string, records: readonly EventRecord[], originRuns: boolean): string {
  const types = queuedTypes(records);
  return `${origin} ${sessionId} ${records[0]!.seq} ${records[records.length - 1]!.seq} ${originRuns ? 1 : 0} ${types.length > 0 ? types.join(',') : '-'}`;
}

export class NotifyEventBus implements EventBus {
  private readonly local = new InProcessEventBus();
  /** Reads of one session's announced records, chained so its followers get them in order. */
  private readonly reads = new Map<string, Promise<void>>();
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
    await Promise.all(this.reads.values());
  }

  async announce(tx: Store, sessionId: string, records: readonly EventRecord[]): Promise<void> {
    if (records.length === 0) return;
    await tx.signals!.send(CHANNELS.events, eventsPayload(this.origin, sessionId, records, this.local.runsSessions));
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
      if (types && types !== '-') this.local.input(a, types.split(','), { originRuns: runs === '1' });
    }
    else if (channel === CHANNELS.ends) this.local.end(a);
    else if (channel === CHANNELS.wakes && b !== undefined) this.local.wake(a as WakeTopic, b);
  }

  private onRemoteEvents(sessionId: string, first: number, last: number): void {
    if (!Number.isInteger(first) || !Number.isInteger(last) || last < first) return;
    if (!this.local.follows(sessionId)) return;
    const previous = this.reads.get(sessionId) ?? Promise.resolve();
    const read: Promise<void> = previous
      .then(async () => {
        const records = await this.store.events.after(sessionId, first - 1, last - first + 1);
        if (records.length > 0) this.local.deliver(sessionId, records);
      })
      .catch((err: unknown) => {
        // Followers that miss this announcement read the store themselves.
        this.logger.error({ err, session_id: sessionId }, 'reading announced events failed');
        this.local.missed();
      })
      .finally(() => {
        if (this.reads.get(sessionId) === read) this.reads.delete(sessionId);
      });
    this.reads.set(sessionId, read);
  }
}

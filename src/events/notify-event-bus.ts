// The event bus of replicas sharing one database: this process's followers are served in-process
// as before, and every commit is also announced to the other processes through the store's
// signals (PostgreSQL NOTIFY, sent inside the committing transaction). A notification carries
// only ids, sequence numbers and the types of queued input; a receiving process reads the records
// from the store only for its own followers of the session, and wakes its engine from the types.
// A commit with queued input is announced on the shared channel (every engine may have to run it);
// any other commit (most of them: what a turn writes) on its session's own channel, which only the
// processes that stream or run that session listen on: a replica is not woken for every commit of
// the cluster, so its cost does not grow with the number of replicas.
import { createHash } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { EventRange, EventRecord, RangeAnnouncement, SignalListener, Store, StoreSignals } from '../store/types.js';
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

/** The fixed channels, every process listens on: queued input (any engine may run it), deletions, wake-ups. */
export const CHANNELS = { events: 'agentd_events', ends: 'agentd_ends', wakes: 'agentd_wakes' } as const;

const SESSION_CHANNEL_PREFIX = 'agentd_s_';
/** PostgreSQL's identifiers (and so channel names) are at most 63 bytes. */
const MAX_CHANNEL_BYTES = 63;

/** The channel of a session's commits without queued input (its ids fit; another id is hashed to fit). */
export function sessionChannel(sessionId: string): string {
  const plain = SESSION_CHANNEL_PREFIX + sessionId;
  if (Buffer.byteLength(plain) <= MAX_CHANNEL_BYTES && /^[A-Za-z0-9_]+$/.test(sessionId)) return plain;
  return SESSION_CHANNEL_PREFIX + createHash('sha256').update(sessionId).digest('hex').slice(0, 40);
}

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
  return {
    channel: types.length > 0 ? CHANNELS.events : sessionChannel(sessionId),
    before: `${origin} ${sessionId} `,
    after: ` ${originRuns ? 1 : 0} ${types.length > 0 ? types.join(',') : '-'}`,
  };
}

/** The announcement of records already numbered: its channel and payload. */
export function eventsSignal(origin: string, sessionId: string, records: readonly EventRecord[], originRuns: boolean): { channel: string; payload: string } {
  const { channel, before, after } = eventsAnnouncement(origin, sessionId, records, originRuns);
  return { channel, payload: `${before}${records[0]!.seq} ${records[records.length - 1]!.seq}${after}` };
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
  private listener: SignalListener | undefined;
  private listening = false;
  /** Sessions this process streams or runs: their channels are listened on while anyone here watches. */
  private readonly watched = new Map<string, { count: number; ready: Promise<void>; settled: boolean }>();

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
    const { channel, payload } = eventsSignal(this.origin, sessionId, records, this.local.runsSessions);
    await tx.signals!.send(channel, payload);
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
    const unsubscribe = this.local.subscribe(sessionId, subscriber);
    // Commits between the follower's first read and the LISTEN taking hold were announced to no one here.
    const unwatch = this.watch(sessionId, () => subscriber.onMissed());
    return () => {
      unwatch();
      unsubscribe();
    };
  }

  watch(sessionId: string, onListening?: () => void): () => void {
    let watch = this.watched.get(sessionId);
    if (!watch) {
      const entry = { count: 0, settled: false, ready: this.listener?.add(sessionChannel(sessionId)) ?? Promise.resolve() };
      entry.ready = entry.ready.then(() => void (entry.settled = true));
      this.watched.set(sessionId, (watch = entry));
    }
    watch.count += 1;
    let released = false;
    // Already listening: whatever the caller reads from now on, later commits are announced here.
    if (onListening && !watch.settled) void watch.ready.then(() => !released && onListening());
    return () => {
      if (released) return;
      released = true;
      watch.count -= 1;
      if (watch.count > 0 || this.watched.get(sessionId) !== watch) return;
      this.watched.delete(sessionId);
      void this.listener?.remove(sessionChannel(sessionId));
    };
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
    if (channel === CHANNELS.events || channel.startsWith(SESSION_CHANNEL_PREFIX)) {
      this.onRemoteEvents(a, Number(b), Number(c));
      // Every remote append heard here reaches the engine, queued input or not (the rest only for sessions watched
      // here): a runner holding the session reads it again.
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

// The event bus of replicas sharing one database: this process's followers are served in-process
// as before, and every commit is also announced to the other processes through the store's
// signals (PostgreSQL NOTIFY, sent inside the committing transaction). A notification carries
// only ids, sequence numbers and what kind of commit it is (output or input); a receiving process
// reads the records from the store only for its own followers of the session, and its engine acts
// only on input that concerns it (src/domain/commit-notice.ts). Engine replicas announce themselves
// with heartbeats, so each knows the others and input wakes one preferred engine, not all of them.
import type { Logger } from '../logger.js';
import { commitKind, kindFlag, parseKindFlag } from '../domain/commit-notice.js';
import type { EventRecord, Store, StoreSignals } from '../store/types.js';
import {
  InProcessEventBus,
  type AllListener,
  type EventBus,
  type InputListener,
  type InputOptions,
  type LogSubscriber,
  type WakeListener,
  type WakeTopic,
} from './event-bus.js';

/** Few fixed channels: a notification is small, and every replica decides from it whether to act. */
export const CHANNELS = { events: 'agentd_events', ends: 'agentd_ends', wakes: 'agentd_wakes', engines: 'agentd_engines' } as const;

/** How often an engine replica says it is alive, and how long the others count it alive after. */
export const HEARTBEAT_MS = 1_000;
const PEER_TTL_MS = 3_500;

/** A notification of committed records: `<origin> <session id> <first seq> <last seq> <kind flag>`. */
export function eventsPayload(origin: string, sessionId: string, records: readonly EventRecord[]): string {
  return `${origin} ${sessionId} ${records[0]!.seq} ${records[records.length - 1]!.seq} ${kindFlag(commitKind(records))}`;
}

/** What this process's bus did with other processes' commits (the metrics). */
export interface BusCounts {
  /** Announcements of other processes' commits heard. */
  heard: number;
  /** Reads of announced records from the database (for this process's followers). */
  reads: number;
}

export class NotifyEventBus implements EventBus {
  /** Other engine replicas, by origin: when each was last heard. */
  private readonly peers = new Map<string, number>();
  private readonly local: InProcessEventBus;
  /** Reads of one session's announced records, chained so its followers get them in order. */
  private readonly reads = new Map<string, Promise<void>>();
  private listener: { close(): Promise<void> } | undefined;
  private listening = false;
  private heartbeat: NodeJS.Timeout | undefined;
  readonly counts: BusCounts = { heard: 0, reads: 0 };

  constructor(
    private readonly store: Store,
    private readonly signals: StoreSignals,
    private readonly logger: Logger,
    /** Tells this process's own notifications (which come back to it) from other processes'. */
    private readonly origin: string,
  ) {
    this.local = new InProcessEventBus({ self: origin, peers: () => this.livePeers() });
  }

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
    this.stopHeartbeat();
    await this.listener?.close();
    await Promise.all(this.reads.values());
  }

  async announce(tx: Store, sessionId: string, records: readonly EventRecord[]): Promise<void> {
    if (records.length === 0) return;
    await tx.signals!.send(CHANNELS.events, eventsPayload(this.origin, sessionId, records));
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

  subscribeAll(listener: AllListener): () => void {
    return this.local.subscribeAll(listener);
  }

  subscribeInput(listener: InputListener, opts: InputOptions): () => void {
    const unsubscribe = this.local.subscribeInput(listener, opts);
    this.startHeartbeat();
    return () => {
      unsubscribe();
      if (!this.local.hasEngine) this.stopHeartbeat();
    };
  }

  /** The other engine replicas heard from within PEER_TTL_MS. */
  livePeers(): string[] {
    const now = Date.now();
    const live: string[] = [];
    for (const [origin, seen] of this.peers) {
      if (now - seen <= PEER_TTL_MS) live.push(origin);
      else this.peers.delete(origin);
    }
    return live;
  }

  private startHeartbeat(): void {
    if (this.heartbeat) return;
    this.send(CHANNELS.engines, `${this.origin} up`);
    this.heartbeat = setInterval(() => this.send(CHANNELS.engines, `${this.origin} up`), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Says goodbye, so the others stop preferring this replica at once rather than after PEER_TTL_MS. */
  private stopHeartbeat(): void {
    if (!this.heartbeat) return;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    this.send(CHANNELS.engines, `${this.origin} down`);
  }

  private onEngineSignal(origin: string, state: string): void {
    if (state === 'down') {
      this.peers.delete(origin);
      return;
    }
    const known = this.peers.has(origin);
    this.peers.set(origin, Date.now());
    // A replica that just started knows nobody yet: answer at once, so it prefers only its share.
    if (!known && this.heartbeat) this.send(CHANNELS.engines, `${this.origin} up`);
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
    const [origin, a, b, c, d] = payload.split(' ');
    if (origin === this.origin || a === undefined) return;
    if (channel === CHANNELS.events) this.onRemoteEvents(a, Number(b), Number(c), d);
    else if (channel === CHANNELS.ends) this.local.end(a);
    else if (channel === CHANNELS.wakes && b !== undefined) this.local.wake(a as WakeTopic, b);
    else if (channel === CHANNELS.engines) this.onEngineSignal(origin!, a);
  }

  private onRemoteEvents(sessionId: string, first: number, last: number, flag: string | undefined): void {
    if (!Number.isInteger(first) || !Number.isInteger(last) || last < first) return;
    this.counts.heard++;
    const kind = parseKindFlag(flag);
    // The engine learns all it needs from the notification; the read is for followers only.
    this.local.input(sessionId, kind);
    if (!this.local.follows(sessionId)) return;
    this.counts.reads++;
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

// Wakes followers of a session's log after events are committed. In-process for one node;
// NotifyEventBus (notify-event-bus.ts) serves several replicas over the same interface.
import type { EventRecord, Store } from '../store/types.js';
import { KeyedSets } from './keyed-sets.js';

export interface LogSubscriber {
  /** Newly committed records, in sequence order. */
  onEvents(records: readonly EventRecord[]): void;
  /** The session was deleted: its log is gone and followers should stop. */
  onEnd(): void;
  /** Commits may have gone unannounced (the bus lost its connection): read the store from your cursor. */
  onMissed(): void;
}

export type AllListener = (sessionId: string, records: readonly EventRecord[]) => void;

export interface AllOptions {
  /** Only this process's own commits (per-process counters, work its committer must do once). */
  localOnly?: boolean;
  /** Commits may have gone unannounced: look at the store for work. */
  onMissed?: () => void;
}

/** Keyed wake-ups outside session logs, e.g. 'work' + environment id when work is offered. */
export type WakeTopic = 'work';
/** `undefined`: wake-ups may have been missed, so every waiter of the topic should look again. */
export type WakeListener = (key: string | undefined) => void;

export interface EventBus {
  /** Called inside the committing transaction, so other processes hear of the records only on commit. */
  announce(tx: Store, sessionId: string, records: readonly EventRecord[]): Promise<void>;
  /** Called only after the records are committed: this process's followers. */
  publish(sessionId: string, records: readonly EventRecord[]): void;
  /** The session was deleted (called after the delete committed). */
  end(sessionId: string): void;
  subscribe(sessionId: string, subscriber: LogSubscriber): () => void;
  /** Every committed append, for whoever schedules work (the engine). */
  subscribeAll(listener: AllListener, opts?: AllOptions): () => void;
  /** Wakes the topic's waiters for `key` in every process (sent after the change committed). */
  wake(topic: WakeTopic, key: string): void;
  onWake(topic: WakeTopic, listener: WakeListener): () => void;
}

/** Fan-out to this process's subscribers: the whole bus of one node, and the local half of NotifyEventBus. */
export class InProcessEventBus implements EventBus {
  private readonly subscribers = new KeyedSets<string, LogSubscriber>();
  private readonly all = new Set<{ listener: AllListener; opts: AllOptions }>();
  private readonly wakers = new KeyedSets<WakeTopic, WakeListener>();

  async announce(): Promise<void> {
    // One process: publish() after the commit reaches everyone.
  }

  publish(sessionId: string, records: readonly EventRecord[], origin: 'local' | 'remote' = 'local'): void {
    for (const s of this.subscribers.list(sessionId)) s.onEvents(records);
    for (const { listener, opts } of [...this.all]) if (origin === 'local' || !opts.localOnly) listener(sessionId, records);
  }

  subscribeAll(listener: AllListener, opts: AllOptions = {}): () => void {
    const entry = { listener, opts };
    this.all.add(entry);
    return () => this.all.delete(entry);
  }

  /** Whether a remote commit of this session interests anyone here. */
  wants(sessionId: string): boolean {
    return this.subscribers.has(sessionId) || [...this.all].some((e) => !e.opts.localOnly);
  }

  /** Every follower and listener: commits may have gone unannounced. */
  missed(): void {
    for (const s of this.subscribers.all()) s.onMissed();
    for (const { opts } of [...this.all]) opts.onMissed?.();
    for (const w of this.wakers.all()) w(undefined);
  }

  end(sessionId: string): void {
    for (const s of this.subscribers.list(sessionId)) s.onEnd();
  }

  subscribe(sessionId: string, subscriber: LogSubscriber): () => void {
    return this.subscribers.add(sessionId, subscriber);
  }

  wake(topic: WakeTopic, key: string): void {
    for (const w of this.wakers.list(topic)) w(key);
  }

  onWake(topic: WakeTopic, listener: WakeListener): () => void {
    return this.wakers.add(topic, listener);
  }
}

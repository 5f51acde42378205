// Wakes followers of a session's log after events are committed. In-process for one node;
// NotifyEventBus (notify-event-bus.ts) serves several replicas over the same interface.
import type { EventRecord, RangeAnnouncement, Store } from '../store/types.js';
import { KeyedSets } from './keyed-sets.js';

export interface LogSubscriber {
  /** Newly committed records, in sequence order. */
  onEvents(records: readonly EventRecord[]): void;
  /** The session was deleted: its log is gone and followers should stop. */
  onEnd(): void;
  /** Commits may have gone unannounced (the bus lost its connection): read the store from your cursor. */
  onMissed(): void;
}

/** This process's own commits (per-process counters, work its committer must do once). */
export type AllListener = (sessionId: string, records: readonly EventRecord[]) => void;

/**
 * Queued input (events committed unprocessed: what clients send) reached a session. `remote` is
 * set when another process committed it; `originRuns` says that process schedules sessions
 * itself, so it runs the turn or, failing to take the lease, the holder is told (here too).
 * Another process's commits without queued input come too, with no types.
 */
export type InputListener = (sessionId: string, types: readonly string[], remote?: { originRuns: boolean }) => void;

export interface InputOptions {
  /** Commits may have gone unannounced: look at the store for work. */
  onMissed?: () => void;
}

/** The types of the records' queued input, each once, in order (what announcements carry). */
export function queuedTypes(records: ReadonlyArray<Pick<EventRecord, 'type' | 'processedAt'>>): string[] {
  return [...new Set(records.filter((r) => r.processedAt === null).map((r) => r.type))];
}

/**
 * Keyed wake-ups outside session logs: 'work' + environment id when work is offered; 'session' + session id when a
 * session's row changed outside its log (settings, budget, resources, archive), so its runner reads it again;
 * 'environment' + environment id when an environment was edited, archived or deleted (its sessions' runners read it
 * again at their next run).
 */
export type WakeTopic = 'work' | 'session' | 'environment';
/** `undefined`: wake-ups may have been missed, so every waiter of the topic should look again. */
export type WakeListener = (key: string | undefined) => void;

export interface EventBus {
  /** Called inside the committing transaction, so other processes hear of the records only on commit. */
  announce(tx: Store, sessionId: string, records: readonly EventRecord[]): Promise<void>;
  /** The same announcement, for the store to send with rows it numbers itself (undefined: none needed). */
  announcement(sessionId: string, events: ReadonlyArray<Pick<EventRecord, 'type' | 'processedAt'>>): RangeAnnouncement | undefined;
  /** Called only after the records are committed: this process's followers. */
  publish(sessionId: string, records: readonly EventRecord[]): void;
  /** The session was deleted (called after the delete committed). */
  end(sessionId: string): void;
  subscribe(sessionId: string, subscriber: LogSubscriber): () => void;
  /**
   * Hear other processes' commits to the session that carry no queued input (what its stream shows, what its runner
   * re-reads the session for): only processes that watch a session are told of them. Input reaches every process
   * anyway. `onListening` is called if commits made before the watch took hold may have gone unannounced (the
   * caller reads the store again); subscribe() watches by itself. Returns the release.
   */
  watch(sessionId: string, onListening?: () => void): () => void;
  /** Every append this process commits. */
  subscribeAll(listener: AllListener): () => void;
  /** Queued input committed to any session by any process, for whoever schedules work (the engine). */
  onInput(listener: InputListener, opts?: InputOptions): () => void;
  /** Other processes commit to the same store (a waker cannot rely on seeing every commit in order). */
  readonly shared: boolean;
  /** Wakes the topic's waiters for `key` in every process (sent after the change committed). */
  wake(topic: WakeTopic, key: string): void;
  onWake(topic: WakeTopic, listener: WakeListener): () => void;
}

/** Fan-out to this process's subscribers: the whole bus of one node, and the local half of NotifyEventBus. */
export class InProcessEventBus implements EventBus {
  private readonly subscribers = new KeyedSets<string, LogSubscriber>();
  private readonly all = new Set<AllListener>();
  private readonly inputs = new Set<{ listener: InputListener; opts: InputOptions }>();
  private readonly wakers = new KeyedSets<WakeTopic, WakeListener>();

  async announce(): Promise<void> {
    // One process: publish() after the commit reaches everyone.
  }

  announcement(): undefined {
    return undefined;
  }

  readonly shared: boolean = false;

  publish(sessionId: string, records: readonly EventRecord[]): void {
    this.deliver(sessionId, records);
    for (const listener of [...this.all]) listener(sessionId, records);
    const types = queuedTypes(records);
    if (types.length > 0) this.input(sessionId, types);
  }

  /** Records committed by another process, to this process's followers of the session. */
  deliver(sessionId: string, records: readonly EventRecord[]): void {
    for (const s of this.subscribers.list(sessionId)) s.onEvents(records);
  }

  /** Queued input committed by this process (`remote` unset) or another. */
  input(sessionId: string, types: readonly string[], remote?: { originRuns: boolean }): void {
    for (const { listener } of [...this.inputs]) listener(sessionId, types, remote);
  }

  subscribeAll(listener: AllListener): () => void {
    this.all.add(listener);
    return () => this.all.delete(listener);
  }

  onInput(listener: InputListener, opts: InputOptions = {}): () => void {
    const entry = { listener, opts };
    this.inputs.add(entry);
    return () => this.inputs.delete(entry);
  }

  /** Whether this process schedules sessions (its engine listens for input). */
  get runsSessions(): boolean {
    return this.inputs.size > 0;
  }

  /** Whether a remote commit of this session has followers here. */
  follows(sessionId: string): boolean {
    return this.subscribers.has(sessionId);
  }

  /** Every follower and listener: commits may have gone unannounced. */
  missed(): void {
    for (const s of this.subscribers.all()) s.onMissed();
    for (const { opts } of [...this.inputs]) opts.onMissed?.();
    for (const w of this.wakers.all()) w(undefined);
  }

  end(sessionId: string): void {
    for (const s of this.subscribers.list(sessionId)) s.onEnd();
  }

  subscribe(sessionId: string, subscriber: LogSubscriber): () => void {
    return this.subscribers.add(sessionId, subscriber);
  }

  /** One process hears all its commits. */
  watch(): () => void {
    return () => {};
  }

  wake(topic: WakeTopic, key: string): void {
    for (const w of this.wakers.list(topic)) w(key);
  }

  onWake(topic: WakeTopic, listener: WakeListener): () => void {
    return this.wakers.add(topic, listener);
  }
}

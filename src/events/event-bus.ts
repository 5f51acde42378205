// Wakes followers of a session's log after events are committed. In-process for one node;
// NotifyEventBus (notify-event-bus.ts) serves several replicas over the same interface.
import { commitKind, engineWakes, type CommitKind } from '../domain/commit-notice.js';
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

/** Input for a session this process's engine should act on (never the records: none are read for it). */
export type InputListener = (sessionId: string, kind: Exclude<CommitKind, 'output'>) => void;

export interface InputOptions {
  /** Whether this process's engine runs the session now: it hears of all input to it. */
  runs: (sessionId: string) => boolean;
  /** Commits may have gone unannounced: look at the store for work. */
  onMissed: () => void;
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
  /** Every append this process commits (per-process counters, work its committer must do once). */
  subscribeAll(listener: AllListener): () => void;
  /**
   * Input committed by any process (client events not yet processed) to a session this process's
   * engine runs or is the preferred starter of (src/domain/commit-notice.ts). One subscriber: the engine.
   */
  subscribeInput(listener: InputListener, opts: InputOptions): () => void;
  /** Wakes the topic's waiters for `key` in every process (sent after the change committed). */
  wake(topic: WakeTopic, key: string): void;
  onWake(topic: WakeTopic, listener: WakeListener): () => void;
}

/** The replicas whose engines share the work (NotifyEventBus); one process alone by default. */
export interface EngineRoster {
  self: string;
  /** Other engine replicas alive now. */
  peers(): readonly string[];
}

const ALONE: EngineRoster = { self: 'local', peers: () => [] };

/** Fan-out to this process's subscribers: the whole bus of one node, and the local half of NotifyEventBus. */
export class InProcessEventBus implements EventBus {
  private readonly subscribers = new KeyedSets<string, LogSubscriber>();
  private readonly all = new Set<AllListener>();
  private readonly inputs = new Set<{ listener: InputListener; opts: InputOptions }>();
  private readonly wakers = new KeyedSets<WakeTopic, WakeListener>();

  constructor(private readonly roster: EngineRoster = ALONE) {}

  async announce(): Promise<void> {
    // One process: publish() after the commit reaches everyone.
  }

  /** This process's commit: its followers, its listeners, and its engine if the input concerns it. */
  publish(sessionId: string, records: readonly EventRecord[]): void {
    this.deliver(sessionId, records);
    for (const listener of [...this.all]) listener(sessionId, records);
    this.input(sessionId, commitKind(records));
  }

  /** Records another process committed, read for this process's followers. */
  deliver(sessionId: string, records: readonly EventRecord[]): void {
    for (const s of this.subscribers.list(sessionId)) s.onEvents(records);
  }

  /** Input committed (here or by another process): the engine hears of it if it concerns it. */
  input(sessionId: string, kind: CommitKind): void {
    if (kind === 'output') return;
    for (const { listener, opts } of [...this.inputs]) {
      const view = { self: this.roster.self, engine: true, peers: this.roster.peers(), runs: opts.runs(sessionId) };
      if (engineWakes(kind, sessionId, view)) listener(sessionId, kind);
    }
  }

  subscribeAll(listener: AllListener): () => void {
    this.all.add(listener);
    return () => this.all.delete(listener);
  }

  subscribeInput(listener: InputListener, opts: InputOptions): () => void {
    const entry = { listener, opts };
    this.inputs.add(entry);
    return () => this.inputs.delete(entry);
  }

  /** Whether this process has followers of the session (another process's commit is read only for them). */
  follows(sessionId: string): boolean {
    return this.subscribers.has(sessionId);
  }

  /** Whether an engine listens here (it announces itself to the other replicas). */
  get hasEngine(): boolean {
    return this.inputs.size > 0;
  }

  /** Every follower and listener: commits may have gone unannounced. */
  missed(): void {
    for (const s of this.subscribers.all()) s.onMissed();
    for (const { opts } of [...this.inputs]) opts.onMissed();
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

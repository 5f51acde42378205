// Wakes followers of a session's log after events are committed. In-process for one node;
// a LISTEN/NOTIFY implementation of the same interface serves several replicas.
import type { EventRecord } from '../store/types.js';

export interface LogSubscriber {
  /** Newly committed records, in sequence order. */
  onEvents(records: readonly EventRecord[]): void;
  /** The session was deleted: its log is gone and followers should stop. */
  onEnd(): void;
}

export interface EventBus {
  /** Called only after the records are committed. */
  publish(sessionId: string, records: readonly EventRecord[]): void;
  end(sessionId: string): void;
  subscribe(sessionId: string, subscriber: LogSubscriber): () => void;
  /** Every committed append, for whoever schedules work (the engine). */
  subscribeAll(listener: (sessionId: string, records: readonly EventRecord[]) => void): () => void;
}

export class InProcessEventBus implements EventBus {
  private readonly subscribers = new Map<string, Set<LogSubscriber>>();
  private readonly all = new Set<(sessionId: string, records: readonly EventRecord[]) => void>();

  publish(sessionId: string, records: readonly EventRecord[]): void {
    for (const s of [...(this.subscribers.get(sessionId) ?? [])]) s.onEvents(records);
    for (const listener of [...this.all]) listener(sessionId, records);
  }

  subscribeAll(listener: (sessionId: string, records: readonly EventRecord[]) => void): () => void {
    this.all.add(listener);
    return () => this.all.delete(listener);
  }

  end(sessionId: string): void {
    for (const s of [...(this.subscribers.get(sessionId) ?? [])]) s.onEnd();
  }

  subscribe(sessionId: string, subscriber: LogSubscriber): () => void {
    let set = this.subscribers.get(sessionId);
    if (!set) this.subscribers.set(sessionId, (set = new Set()));
    set.add(subscriber);
    return () => {
      set.delete(subscriber);
      if (set.size === 0) this.subscribers.delete(sessionId);
    };
  }
}

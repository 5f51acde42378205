// Wakes followers of a session's log after events are committed. In-process for one node;
// a LISTEN/NOTIFY implementation of the same interface serves several replicas.
import type { EventRecord } from '../store/types.js';

export type EventListener = (records: readonly EventRecord[]) => void;

export interface EventBus {
  /** Called only after the records are committed. */
  publish(sessionId: string, records: readonly EventRecord[]): void;
  subscribe(sessionId: string, listener: EventListener): () => void;
}

export class InProcessEventBus implements EventBus {
  private readonly listeners = new Map<string, Set<EventListener>>();

  publish(sessionId: string, records: readonly EventRecord[]): void {
    const set = this.listeners.get(sessionId);
    if (!set) return;
    for (const listener of [...set]) listener(records);
  }

  subscribe(sessionId: string, listener: EventListener): () => void {
    let set = this.listeners.get(sessionId);
    if (!set) this.listeners.set(sessionId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(sessionId);
    };
  }
}

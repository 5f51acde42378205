// Which event bus this process uses: decided once, by what the store can do. A store with
// cross-process signals (PostgreSQL) gets the replica bus; otherwise followers are in-process.
import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger.js';
import { InProcessEventBus, type EventBus } from '../events/event-bus.js';
import { NotifyEventBus } from '../events/notify-event-bus.js';
import type { Store } from '../store/types.js';

export interface OpenedBus {
  bus: EventBus;
  /** Why other replicas' commits do not reach this process now (readiness), or undefined. */
  problem(): string | undefined;
  close(): Promise<void>;
}

export async function openEventBus(store: Store, logger: Logger): Promise<OpenedBus> {
  if (!store.signals) return { bus: new InProcessEventBus(), problem: () => undefined, close: async () => {} };
  const bus = new NotifyEventBus(store, store.signals, logger, randomBytes(6).toString('hex'));
  await bus.start();
  return {
    bus,
    problem: () => (bus.isListening ? undefined : 'the event bus is reconnecting to the database'),
    close: () => bus.close(),
  };
}

// Wakes this process's long polls of an environment's queue when work may have become claimable
// (the event bus brings other replicas' offers here too).

export class WorkWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();

  notify(environmentId: string): void {
    const set = this.waiting.get(environmentId);
    if (!set) return;
    this.waiting.delete(environmentId);
    for (const wake of set) wake();
  }

  notifyAll(): void {
    for (const id of [...this.waiting.keys()]) this.notify(id);
  }

  /** Resolves on the next notify for the environment, after `ms`, or when `signal` aborts. */
  wait(environmentId: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      let set = this.waiting.get(environmentId);
      if (!set) this.waiting.set(environmentId, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        const current = this.waiting.get(environmentId);
        current?.delete(done);
        if (current?.size === 0) this.waiting.delete(environmentId);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
    });
  }
}

// Listeners grouped by a key (a session id, a wake topic), with removal that is safe to call twice. A second call
// of an old removal must never drop the set a later listener of the same key was added to: a stream's close runs
// its unsubscribe from several paths, and a reconnect of the same session may already have subscribed again.
export class KeyedSets<K, V> {
  private readonly sets = new Map<K, Set<V>>();

  /** Adds `value` under `key`; the returned function removes it (once; later calls do nothing). */
  add(key: K, value: V): () => void {
    let set = this.sets.get(key);
    if (!set) this.sets.set(key, (set = new Set()));
    set.add(value);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      set.delete(value);
      if (set.size === 0 && this.sets.get(key) === set) this.sets.delete(key);
    };
  }

  /** A copy of the key's values: a listener may add or remove others while it runs. */
  list(key: K): V[] {
    const set = this.sets.get(key);
    return set ? [...set] : [];
  }

  has(key: K): boolean {
    return this.sets.has(key);
  }

  /** Every value of every key (a copy). */
  all(): V[] {
    return [...this.sets.values()].flatMap((s) => [...s]);
  }
}

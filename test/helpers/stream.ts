// Reading an SDK event stream in tests: bounded reads with deadlines, so a test never hangs.
// The SDK's Stream can be iterated only once, so one reader owns the iterator.

export class StreamReader<T> {
  private readonly it: AsyncIterator<T>;
  /** A read that outlived a deadline; the next read must take its value, not start another. */
  private pending: Promise<IteratorResult<T>> | undefined;

  constructor(stream: AsyncIterable<T>) {
    this.it = stream[Symbol.asyncIterator]();
  }

  private next(): Promise<IteratorResult<T>> {
    const p = this.pending ?? this.it.next();
    this.pending = p;
    return p.then((r) => {
      this.pending = undefined;
      return r;
    });
  }

  private async within(ms: number): Promise<IteratorResult<T> | 'timeout'> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, ms));
    });
    try {
      return await Promise.race([this.next(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The next `count` events (fewer only if the stream ends); throws past the deadline. */
  async take(count: number, timeoutMs = 10_000): Promise<T[]> {
    const out: T[] = [];
    const deadline = Date.now() + timeoutMs;
    while (out.length < count) {
      const r = await this.within(deadline - Date.now());
      if (r === 'timeout') throw new Error(`timed out after ${out.length} of ${count} events`);
      if (r.done) break;
      out.push(r.value);
    }
    return out;
  }

  /** Reads until `predicate` matches (inclusive), returning everything read. */
  async until(predicate: (e: T) => boolean, timeoutMs = 10_000): Promise<T[]> {
    const out: T[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.within(deadline - Date.now());
      if (r === 'timeout') throw new Error(`timed out after ${out.length} events without a match`);
      if (r.done) return out;
      out.push(r.value);
      if (predicate(r.value)) return out;
    }
  }

  /** True if the stream stays silent for `ms`. */
  async quietFor(ms: number): Promise<boolean> {
    return (await this.within(ms)) === 'timeout';
  }
}

export async function takeEvents<T>(stream: AsyncIterable<T>, count: number, timeoutMs?: number): Promise<T[]> {
  return new StreamReader(stream).take(count, timeoutMs);
}

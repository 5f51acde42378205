// A Clock that moves only when the test says so: sleepers wake when `advance`/`set` passes their
// due time. Pass it to the server with `useServer(dialect, { clock })`.
import type { Clock } from '../../src/domain/clock.js';

interface Sleeper {
  due: number;
  resolve: () => void;
}

export class ManualClock implements Clock {
  private sleepers: Sleeper[] = [];

  constructor(private current: number = Date.parse('2026-01-01T00:00:00.000Z')) {}

  /** How many times anything slept on this clock (a busy loop shows as a count that races up). */
  sleeps = 0;

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps++;
    return new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      // Already due: resolve on a timer, as the system clock's setTimeout(0) does. Resolving at once
      // would let a loop that sleeps 0 ms (against a synchronous SQLite store) starve the process.
      if (ms <= 0) return void setTimeout(resolve, 0);
      const sleeper: Sleeper = { due: this.current + ms, resolve };
      const abort = () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        resolve();
      };
      signal?.addEventListener('abort', abort, { once: true });
      sleeper.resolve = () => {
        signal?.removeEventListener('abort', abort);
        resolve();
      };
      this.sleepers.push(sleeper);
      this.wake();
    });
  }

  /** Moves time forward by `ms`, waking every sleeper now due. */
  advance(ms: number): void {
    this.set(this.current + ms);
  }

  /** Jumps to `at` (epoch ms or ISO string); never backwards. */
  set(at: number | string): void {
    const next = typeof at === 'string' ? Date.parse(at) : at;
    if (next < this.current) throw new Error('ManualClock cannot go backwards');
    this.current = next;
    this.wake();
  }

  /** Steps time back by `ms`, as a backward NTP step does; sleepers keep their due times. */
  stepBack(ms: number): void {
    this.current -= ms;
  }

  /** How many sleepers are waiting (lets a test wait until the server has scheduled its timer). */
  get pendingSleepers(): number {
    return this.sleepers.length;
  }

  /** Resolves once at least `count` sleepers wait; throws after `timeoutMs` of real time. */
  async untilSleeping(count = 1, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.sleepers.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} sleepers on the manual clock, saw ${this.sleepers.length}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  private wake(): void {
    const due = this.sleepers.filter((s) => s.due <= this.current);
    this.sleepers = this.sleepers.filter((s) => s.due > this.current);
    for (const s of due) s.resolve();
  }
}

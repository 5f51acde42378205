// One SSE connection's send side, bounded in bytes and in time (issue 18: a client that never
// reads must not make the server hold the stream's backlog). Writes wait while more than
// `maxBufferBytes` are queued for the socket; a connection whose queued bytes see no progress for
// `stallMs` is disconnected. The client resumes from the last event it received (Last-Event-ID):
// everything is in the log, so nothing is lost by the disconnect.
import type { ServerResponse } from 'node:http';
import { PING_FRAME } from './sse.js';

export interface SseLimits {
  /** AGENTD_SSE_MAX_BUFFER_BYTES: bytes a connection may have queued before its writer waits. */
  maxBufferBytes: number;
  /** AGENTD_SSE_STALL_MS: how long queued bytes may wait without the client taking any. */
  stallMs: number;
}

export class BoundedSseWriter {
  /** When the client last took bytes (or when bytes last started waiting). */
  private progressAt: number;
  private readonly watchdog: NodeJS.Timeout;
  private readonly checkEveryMs: number;
  /** When the watchdog last ran: a late run means this process, not the client, was stalled. */
  private checkedAt: number;

  constructor(
    private readonly res: ServerResponse,
    private readonly limits: SseLimits,
    /** Called once, just before a stalled connection is destroyed. */
    private readonly onStall: () => void,
    private readonly now: () => number = Date.now,
  ) {
    this.progressAt = now();
    this.checkedAt = this.progressAt;
    this.checkEveryMs = Math.max(20, Math.min(1000, Math.floor(limits.stallMs / 4)));
    this.watchdog = setInterval(() => this.check(), this.checkEveryMs);
    this.watchdog.unref();
    res.once('close', () => clearInterval(this.watchdog));
  }

  get open(): boolean {
    return !this.res.destroyed && !this.res.writableEnded;
  }

  /**
   * Queues `chunk`, then waits while the queue is over the byte bound. False once the connection is gone. Answers
   * at once (no promise) when there is nothing to wait for: the usual case, for each of many streams per event.
   */
  write(chunk: string): boolean | Promise<boolean> {
    if (!this.open) return false;
    if (this.res.writableLength === 0) this.progressAt = this.now();
    this.res.write(chunk, () => {
      this.progressAt = this.now();
    });
    if (this.res.writableLength <= this.limits.maxBufferBytes) return this.open;
    return this.drained();
  }

  private async drained(): Promise<boolean> {
    while (this.open && this.res.writableLength > this.limits.maxBufferBytes) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.res.off('drain', done);
          this.res.off('close', done);
          resolve();
        };
        this.res.on('drain', done);
        this.res.on('close', done);
      });
    }
    return this.open;
  }

  /** Keeps an idle connection alive; one with bytes still queued is not idle and gets none. */
  ping(): void {
    if (!this.open || this.res.writableLength > 0) return;
    // Its wait starts now, like any write's: an old progress time must not make it look stalled.
    this.progressAt = this.now();
    this.res.write(PING_FRAME, () => {
      this.progressAt = this.now();
    });
  }

  private check(): void {
    const now = this.now();
    const late = now - this.checkedAt > this.checkEveryMs + this.limits.stallMs / 2;
    this.checkedAt = now;
    if (!this.open || this.res.writableLength === 0) return;
    // After a stall of our own event loop the socket's write completions have not been processed
    // yet (timers run first): the client had no chance to take the bytes, so its wait starts again.
    if (late) {
      this.progressAt = now;
      return;
    }
    if (now - this.progressAt <= this.limits.stallMs) return;
    clearInterval(this.watchdog);
    this.onStall();
    this.res.destroy();
  }
}

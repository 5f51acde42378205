// One SSE connection's send side, bounded in bytes and in time (issue 18: a client that never
// reads must not make the server hold the stream's backlog). Writes wait while more than
// `maxBufferBytes` are queued for the socket; a connection whose queued bytes see no progress for
// `stallMs` is disconnected. The client resumes from the last event it received (Last-Event-ID):
// everything is in the log, so nothing is lost by the disconnect.
//
// Frames go to the socket as ready-made HTTP chunks (encodeFrame), not through ServerResponse.write:
// one event reaches every stream of its session, and the response's own write path (cork, a tick to
// uncork, three buffers per chunk, a callback) cost more per stream than the socket write itself.
import type { Socket } from 'node:net';
import type { ServerResponse } from 'node:http';
import { directSocket, encodeFrame, PING_FRAME, type EncodedFrame } from './sse.js';

export interface SseLimits {
  /** AGENTD_SSE_MAX_BUFFER_BYTES: bytes a connection may have queued before its writer waits. */
  maxBufferBytes: number;
  /** AGENTD_SSE_STALL_MS: how long queued bytes may wait without the client taking any. */
  stallMs: number;
}

const PING = encodeFrame(PING_FRAME);
const DRAIN_POLL_MS = 10;

/**
 * Writers holding frames, in the order they were written (the first `dueCount` slots). This list and each writer's
 * held frames are emptied slot by slot, never by `length = 0`: that gives an array's storage back, and every event's
 * fan-out would grow it anew, an allocation per stream per event. A commit's events reach every stream of the
 * session at once (the event bus calls each follower as the commit returns), but go to the sockets only
 * once the code that committed has run on: the request that sent them answers first, then 1,000 streams
 * get theirs, not the other way round.
 */
const due: Array<BoundedSseWriter | undefined> = [];
let dueCount = 0;
let flushScheduled = false;
function flushDue(): void {
  flushScheduled = false;
  // A writer that holds frames during the flush joins the end of the list and is flushed in this pass too.
  for (let i = 0; i < dueCount; i++) {
    const w = due[i]!;
    due[i] = undefined;
    w.flush();
  }
  dueCount = 0;
}

export class BoundedSseWriter {
  /** When the client last took bytes (or when bytes last started waiting). */
  private progressAt: number;
  private readonly watchdog: NodeJS.Timeout;
  private readonly checkEveryMs: number;
  /** When the watchdog last ran: a late run means this process, not the client, was stalled. */
  private checkedAt: number;
  /**
   * The socket the frames go to directly, when the response's headers are on it and nothing of the
   * response waits in front of them (otherwise, e.g. behind a pipelined response, ServerResponse.write).
   */
  private readonly socket: Socket | undefined;
  private readonly chunked: boolean;
  /** Bytes handed to the socket, and of those, how many it had sent when the watchdog last looked. */
  private written = 0;
  private sentAtCheck = 0;
  /** Frames written since this tick began (the first `heldCount`), sent with every other stream's when it ends. */
  private readonly held: Array<EncodedFrame | undefined> = [];
  private heldCount = 0;
  private heldBytes = 0;

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
    this.socket = directSocket(res);
    this.chunked = res.chunkedEncoding;
    this.watchdog = setInterval(() => this.check(), this.checkEveryMs);
    this.watchdog.unref();
    res.once('close', () => clearInterval(this.watchdog));
  }

  /** Ends the response after what this stream still holds. */
  end(): void {
    this.flush();
    if (!this.res.writableEnded) this.res.end();
  }

  get open(): boolean {
    return !this.res.destroyed && !this.res.writableEnded;
  }

  /**
   * Queues `frames`, then waits while the queue is over the byte bound. False once the connection is gone. Answers
   * at once (no promise) when there is nothing to wait for: the usual case, for each of many streams per event.
   */
  write(frames: EncodedFrame | readonly EncodedFrame[]): boolean | Promise<boolean> {
    if (!this.open) return false;
    if (this.queued === 0) this.startWaiting();
    if (!Array.isArray(frames)) this.hold(frames as EncodedFrame);
    else for (const f of frames) this.hold(f);
    if (this.queued <= this.limits.maxBufferBytes) return this.open;
    return this.drained();
  }

  /** A frame made for this stream alone. */
  writeText(frame: string): boolean | Promise<boolean> {
    return this.write(encodeFrame(frame));
  }

  /** Whether a best-effort frame (a preview) should be skipped: the client is behind. */
  get behind(): boolean {
    return this.socket ? this.socket.writableNeedDrain : this.res.writableNeedDrain;
  }

  /** Bytes queued for the client, with those held for this tick's flush. */
  private get queued(): number {
    return this.heldBytes + (this.socket ? this.socket.writableLength : this.res.writableLength);
  }

  private hold(frame: EncodedFrame): void {
    if (this.heldCount === 0) due[dueCount++] = this;
    this.held[this.heldCount++] = frame;
    this.heldBytes += frame.body.length;
    if (!flushScheduled) {
      flushScheduled = true;
      process.nextTick(flushDue);
    }
  }

  /** Hands the held frames to the socket (cork: one write for several). */
  flush(): void {
    const count = this.heldCount;
    if (count === 0) return;
    const frames = this.held;
    const open = this.open;
    if (open && count > 1) this.socket?.cork();
    for (let i = 0; i < count; i++) {
      if (open) this.send(frames[i]!);
      frames[i] = undefined;
    }
    if (open && count > 1) this.socket?.uncork();
    this.heldCount = 0;
    this.heldBytes = 0;
  }

  private send(frame: EncodedFrame): void {
    if (!this.socket) {
      this.res.write(frame.body, () => {
        this.progressAt = this.now();
      });
      return;
    }
    const bytes = this.chunked ? frame.chunk : frame.body;
    this.written += bytes.length;
    this.socket.write(bytes);
  }

  /** Bytes the socket has sent of those handed to it (grows only when the client takes bytes). */
  private get sent(): number {
    return this.socket ? this.written - this.socket.writableLength : 0;
  }

  /** Queued bytes start their wait now: an old progress time must not make them look stalled. */
  private startWaiting(): void {
    this.progressAt = this.now();
    this.sentAtCheck = this.sent;
  }

  private async drained(): Promise<boolean> {
    // This stream's frames go to the socket now: its queue is what the wait watches.
    this.flush();
    const target = this.socket ?? this.res;
    while (this.open && this.queued > this.limits.maxBufferBytes) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          target.off('drain', done);
          this.res.off('close', done);
          resolve();
        };
        // 'drain' follows only a write refused past the socket's own high-water mark; a smaller bound is polled.
        const timer = target.writableNeedDrain ? undefined : setTimeout(done, DRAIN_POLL_MS);
        target.on('drain', done);
        this.res.on('close', done);
      });
    }
    return this.open;
  }

  /** Keeps an idle connection alive; one with bytes still queued is not idle and gets none. */
  ping(): void {
    if (!this.open || this.queued > 0) return;
    this.startWaiting();
    this.send(PING);
  }

  private check(): void {
    const now = this.now();
    const late = now - this.checkedAt > this.checkEveryMs + this.limits.stallMs / 2;
    this.checkedAt = now;
    if (!this.open || this.queued === 0) return;
    const sent = this.sent;
    // After a stall of our own event loop the socket's write completions have not been processed
    // yet (timers run first): the client had no chance to take the bytes, so its wait starts again.
    // (Through ServerResponse, with no socket of ours, each write's callback marks progress.)
    if (late || sent > this.sentAtCheck) {
      this.progressAt = now;
      this.sentAtCheck = sent;
      return;
    }
    if (now - this.progressAt <= this.limits.stallMs) return;
    clearInterval(this.watchdog);
    this.onStall();
    this.res.destroy();
  }
}

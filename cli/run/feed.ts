// A session's events, each exactly once, surviving dropped streams: on every reconnect the stream is
// opened first, then the history fills the gap, deduplicated by event id (client pattern 1).
import Anthropic from '@anthropic-ai/sdk';
import type { BetaManagedAgentsStreamSessionEvents } from '@anthropic-ai/sdk/resources/beta/sessions/events.js';
import type { BetaManagedAgentsDeltaType } from '@anthropic-ai/sdk/resources/beta/sessions/sessions.js';

export type SessionEvent = BetaManagedAgentsStreamSessionEvents;
type Stream = Awaited<ReturnType<Anthropic['beta']['sessions']['events']['stream']>>;

/** How long to keep trying to reconnect before giving up on the server. */
const RECONNECT_GIVE_UP_MS = 60_000;
const RECONNECT_MAX_DELAY_MS = 5_000;

export interface FeedHooks {
  /** Event types to preview live (`event_deltas`); none by default. */
  previews?: BetaManagedAgentsDeltaType[];
  /** Told once per lost connection, with the reason. */
  onDisconnect?: (reason: string) => void;
  onReconnect?: () => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SessionFeed {
  private stream: Stream | undefined;
  private readonly seen = new Set<string>();
  private history: SessionEvent[] = [];
  private closed = false;

  constructor(
    private readonly client: Anthropic,
    private readonly sessionId: string,
    private readonly hooks: FeedHooks = {},
  ) {}

  /** Opens the live stream; call before sending anything, so no event can slip past. */
  async open(): Promise<void> {
    this.stream = await this.openStream();
  }

  private openStream(): Promise<Stream> {
    const previews = this.hooks.previews ?? [];
    return this.client.beta.sessions.events.stream(this.sessionId, previews.length > 0 ? { event_deltas: previews } : {});
  }

  /** Opens the live stream, then reads the history (returns its length): events() yields the past first (`sessions tail`). */
  async openWithHistory(): Promise<number> {
    this.stream = await this.client.beta.sessions.events.stream(this.sessionId);
    for await (const event of this.client.beta.sessions.events.list(this.sessionId, { order: 'asc' })) this.history.push(event);
    return this.history.length;
  }

  /** Events in log order, each once; ends only when the consumer stops iterating or calls close(). */
  async *events(): AsyncGenerator<SessionEvent> {
    try {
      const past = this.history.splice(0);
      for (const event of past) if (this.isNew(event)) yield event;
      for (;;) {
        const stream = this.stream ?? (yield* this.reconnect());
        if (!stream) return;
        try {
          for await (const event of stream) {
            if (this.isNew(event)) yield event;
          }
          if (this.closed) return;
          this.hooks.onDisconnect?.('the server closed the event stream');
        } catch (err) {
          if (this.closed) return;
          this.hooks.onDisconnect?.(err instanceof Error ? err.message : String(err));
        }
        this.stream = undefined;
      }
    } finally {
      this.close();
    }
  }

  /** Stream first, then history; yields the history's unseen events and returns the new stream. */
  private async *reconnect(): AsyncGenerator<SessionEvent, Stream | undefined> {
    const deadline = Date.now() + RECONNECT_GIVE_UP_MS;
    for (let attempt = 0; !this.closed; attempt++) {
      await sleep(Math.min(RECONNECT_MAX_DELAY_MS, 250 * 2 ** attempt));
      if (this.closed) return undefined;
      let stream: Stream | undefined;
      const history: SessionEvent[] = [];
      try {
        stream = await this.openStream();
        for await (const event of this.client.beta.sessions.events.list(this.sessionId, { order: 'asc' })) history.push(event);
      } catch (err) {
        stream?.controller.abort();
        // Gone (deleted) or refused: retrying cannot help.
        if (err instanceof Anthropic.NotFoundError || err instanceof Anthropic.AuthenticationError) throw err;
        if (Date.now() >= deadline) throw err;
        continue;
      }
      this.stream = stream;
      this.hooks.onReconnect?.();
      for (const event of history) if (this.isNew(event)) yield event;
      return stream;
    }
    return undefined;
  }

  /** Events without an id (previews, deltas) are never deduplicated. */
  private isNew(event: SessionEvent): boolean {
    if (!('id' in event) || typeof event.id !== 'string' || event.id === '') return true;
    if (this.seen.has(event.id)) return false;
    this.seen.add(event.id);
    return true;
  }

  close(): void {
    this.closed = true;
    this.stream?.controller.abort();
    this.stream = undefined;
  }
}

// Live previews of a model call's response: as the stream announces a text or thinking block, it
// gets the id its durable event will carry, and `event_start` / `event_delta` frames go to the
// session's best-effort delta channel. Never written to the log; never awaited.
import type { BetaRawMessageStreamEvent } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import type { DeltaChannel } from '../events/delta-channel.js';

export class ResponsePreview {
  private readonly ids = new Map<number, string>();

  constructor(
    private readonly sessionId: string,
    private readonly channel: DeltaChannel,
    private readonly newEventId: () => string,
  ) {}

  /** Ids announced per content block index; the durable events reuse them. */
  get blockIds(): ReadonlyMap<number, string> {
    return this.ids;
  }

  readonly observe = (event: BetaRawMessageStreamEvent): void => {
    if (event.type === 'content_block_start') {
      const block = event.content_block;
      const previews = block.type === 'text' ? 'agent.message' : block.type === 'thinking' || block.type === 'redacted_thinking' ? 'agent.thinking' : undefined;
      if (previews === undefined) return;
      const id = this.newEventId();
      this.ids.set(event.index, id);
      if (!this.channel.hasListeners(this.sessionId)) return;
      this.channel.publish(this.sessionId, { previews, body: { type: 'event_start', event: { type: previews, id } } });
      if (block.type === 'text' && block.text !== '') this.text(id, block.text);
    } else if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
      const id = this.ids.get(event.index);
      if (id !== undefined && this.channel.hasListeners(this.sessionId)) this.text(id, event.delta.text);
    }
  };

  private text(eventId: string, text: string): void {
    // agent.message content is one text block, so every fragment lands in entry 0.
    this.channel.publish(this.sessionId, {
      previews: 'agent.message',
      body: { type: 'event_delta', event_id: eventId, delta: { type: 'content_delta', index: 0, content: { type: 'text', text } } },
    });
  }
}

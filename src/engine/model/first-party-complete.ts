// The agent loop's model call on the first-party wire, over the lean HTTP path (first-party-http.ts) instead of the
// SDK's fetch: the request goes out as one write, the response's SSE is split by SseByteFrames, and the SDK's own
// BetaMessageStream assembles the message from the events, as `client.beta.messages.stream` does. The SDK's fetch,
// web streams and request building were ~15 % of the server's CPU per tool round trip.
import Anthropic from '@anthropic-ai/sdk';
import { BetaMessageStream } from '@anthropic-ai/sdk/lib/BetaMessageStream';
import type { BetaMessage } from '@anthropic-ai/sdk/resources/beta/messages/messages.js';
import { providerError, type FirstPartyHttp } from './first-party-http.js';
import { historyJson } from './history-json.js';
import type { ModelRequest, ProviderEvent, ProviderStream, StreamObserver } from './model-client.js';

/** The events BetaMessageStream assembles (the SDK's Stream passes exactly these; `ping` and unknown ones are skipped). */
const MESSAGE_EVENTS = new Set(['message_start', 'message_delta', 'message_stop', 'content_block_start', 'content_block_delta', 'content_block_stop']);

/**
 * The provider's events as the newline-delimited JSON `BetaMessageStream.fromReadableStream` reads. An `error` event
 * fails the stream with the APIError the SDK's Stream throws for it, so the engine classifies it as before.
 *
 * An async iterable rather than a web ReadableStream: the SDK reads any stream that has `Symbol.asyncIterator` by
 * iterating it (its ReadableStreamToAsyncIterable), and constructing a ReadableStream cost ~0.1 ms per model call in
 * the server (Node 20 makes each one transferable by changing its prototype). Leaving early (the SDK's `return`)
 * ends the provider's stream, as cancelling the ReadableStream did.
 */
async function* eventLines(stream: ProviderStream, signal: AbortSignal): AsyncGenerator<string> {
  const events = stream[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      let next: IteratorResult<ProviderEvent>;
      try {
        next = await events.next();
      } catch (err) {
        finished = true;
        // The response broke off: an abort of ours, or the connection (retried like a failed connect).
        throw signal.aborted ? new Anthropic.APIUserAbortError() : new Anthropic.APIConnectionError({ cause: err as Error });
      }
      if (next.done) {
        finished = true;
        return;
      }
      const { event, data } = next.value;
      if (event === 'error') throw providerError(undefined, data, new Headers());
      // One line per event: an event whose JSON came in several `data:` lines has them joined by newlines, which
      // between JSON tokens are whitespace (inside a string one would be escaped).
      if (MESSAGE_EVENTS.has(event)) yield `${data.includes('\n') ? data.replace(/\n/g, ' ') : data}\n`;
    }
  } finally {
    if (!finished) await events.return?.();
  }
}

export function firstPartyComplete(http: FirstPartyHttp) {
  return async (request: ModelRequest, signal: AbortSignal, observe?: StreamObserver): Promise<BetaMessage> => {
    // `betas` travels as the anthropic-beta header, as the SDK sends it.
    const { betas, ...body } = request as ModelRequest & { betas?: string[] };
    const streamed = { ...body, stream: true };
    const stream = await http.stream(streamed, { signal, betas }, historyJson(streamed));
    // The cast: fromReadableStream is typed for web streams, and reads any async iterable (see eventLines).
    const message = BetaMessageStream.fromReadableStream(eventLines(stream, signal) as unknown as ReadableStream<string>);
    if (observe) message.on('streamEvent', observe);
    return message.finalMessage();
  };
}

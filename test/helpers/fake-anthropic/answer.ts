// Plays one scripted outcome back to the client: an HTTP error, a JSON Message, or an SSE stream (whole or broken).
import type { ServerResponse } from 'node:http';
import { defaultErrorMessage, errorEnvelope, sendApiError, statusForType } from './api-errors.js';
import { buildMessage } from './build-message.js';
import { sendJson, streamEvents, type CloseWatch } from './respond.js';
import type { SignatureBook } from './signature-book.js';
import { messageEvents, truncatedEvents } from './stream-events.js';
import type { RecordedBody, RequestOutcome, ScriptedBlock, ScriptedOutcome } from './types.js';
import type { WireEvent, WireMessage } from './wire-types.js';

const DEFAULT_MID_STREAM_CONTENT: readonly ScriptedBlock[] = [{ type: 'text', text: 'This answer is cut off before it is finished.' }];

export interface AnswerContext {
  requestId: string;
  watch: CloseWatch;
  signatures: SignatureBook;
}

export interface Answered {
  outcome: RequestOutcome;
  streamed: boolean;
  /** The Message, when one was delivered in full (a thread may store it). */
  message?: WireMessage;
}

export async function answerWith(res: ServerResponse, outcome: ScriptedOutcome, body: RecordedBody, ctx: AnswerContext): Promise<Answered> {
  const { requestId, watch, signatures } = ctx;
  const stream = body.stream === true;
  if ('error' in outcome) {
    sendApiError(res, outcome.error, requestId);
    return { outcome: 'completed', streamed: false };
  }
  if ('midStreamError' in outcome) {
    const type = outcome.midStreamError.type ?? 'overloaded_error';
    const message = outcome.midStreamError.message ?? defaultErrorMessage(statusForType(type));
    if (!stream) {
      sendApiError(res, { status: statusForType(type), type, message }, requestId);
      return { outcome: 'completed', streamed: false };
    }
    const partial = buildMessage({ content: [...(outcome.content ?? DEFAULT_MID_STREAM_CONTENT)] }, body, signatures);
    const events: WireEvent[] = [...truncatedEvents(partial), errorEnvelope(type, message, requestId)];
    return { outcome: await streamEvents(res, events, outcome.chunkDelayMs ?? 0, requestId, watch), streamed: true };
  }
  if ('dropMidStream' in outcome) {
    const partial = buildMessage({ content: [...(outcome.content ?? DEFAULT_MID_STREAM_CONTENT)] }, body, signatures);
    if (!stream) {
      res.destroy();
      return { outcome: 'completed', streamed: false };
    }
    const outcomeOf = await streamEvents(res, truncatedEvents(partial), 0, requestId, watch, { end: false });
    res.destroy();
    return { outcome: outcomeOf, streamed: true };
  }
  const message = buildMessage(outcome, body, signatures);
  const delay = outcome.chunkDelayMs ?? 0;
  if (stream) {
    return { outcome: await streamEvents(res, messageEvents(message), delay, requestId, watch), streamed: true, message };
  }
  if (delay > 0) {
    // A slow non-streaming reply takes as long as its stream would have.
    await Promise.race([watch.closed, new Promise((r) => setTimeout(r, delay * messageEvents(message).length).unref())]);
    if (watch.gone) return { outcome: 'client_disconnected', streamed: false };
  }
  sendJson(res, 200, message, { 'request-id': requestId });
  return { outcome: 'completed', streamed: false, message };
}

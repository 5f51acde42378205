// POST /v1/chat/completions: OpenAI-compatible chat (plain and streamed) on any provider, recorded like every
// gateway call. Errors take OpenAI's shape `{"error": {message, type, param, code}}`.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { factsOfMessage, StreamObserver } from '../../../gateway/call-observer.js';
import { emptyFacts, type GatewayCall } from '../../../gateway/gateway-call.js';
import type { GatewayDeps } from '../../../gateway/gateway-deps.js';
import { openAiRateLimitHeaders, rateLimitHeaders, RateLimitExceeded } from '../../../gateway/key-limits.js';
import { chatToMessages } from '../../../gateway/openai/chat-request.js';
import { ChunkTranslator, toChatCompletion } from '../../../gateway/openai/chat-response.js';
import { failedRequestId, failureOf } from '../../../gateway/provider-failure.js';
import { UsageProduct } from '../../../store/usage-types.js';
import { apiErrorOf } from '../../error-handler.js';
import { openSseResponse } from '../../sse.js';
import { PASS_THROUGH_BODY } from '../../route-config.js';
import { openCall, relayToClient } from './open-call.js';

const CHAT = { product: UsageProduct.messagesApi, callKind: 'chat_completion' } as const;

const openAiError = (type: string, message: string) => ({ error: { message, type, param: null, code: null } });

function headersFor(call: GatewayCall): Record<string, string> {
  return { ...rateLimitHeaders(call.limits), ...openAiRateLimitHeaders(call.limits, call.deps.clock.now()) };
}

/** Sends a provider failure in OpenAI's shape, keeping the status and retry headers; returns the error type. */
function sendFailure(call: GatewayCall, reply: FastifyReply, err: unknown): string {
  const failure = failureOf(err);
  void reply.code(failure.status).headers(failure.headers).send(openAiError(failure.error.type, failure.error.message));
  return failure.error.type;
}

async function streamChat(call: GatewayCall, reply: FastifyReply, includeUsage: boolean): Promise<void> {
  const { deps } = call;
  let stream;
  try {
    stream = await deps.model.stream(call.body, call.options);
  } catch (err) {
    const type = call.abort.signal.aborted ? 'client_disconnected' : sendFailure(call, reply, err);
    void call.record(emptyFacts(type), { streamed: true, ttftMs: null, providerRequestId: failedRequestId(err) });
    return;
  }
  const res = reply.raw;
  reply.hijack();
  openSseResponse(res, call.caller.requestId, headersFor(call));
  const translator = new ChunkTranslator(Math.floor(deps.clock.now() / 1000), includeUsage);
  const observer = new StreamObserver(call.startedAt, () => performance.now());
  let interrupted = false;
  try {
    // The chunks of one read from the provider go out in one write (as on /v1/messages).
    await stream.pump((read) => {
      let out = '';
      for (const e of read.events) {
        observer.observe(e);
        if (e.event === 'message_start') call.replied(observer.facts.messageId);
        for (const chunk of translator.translate(e)) out += `data: ${JSON.stringify(chunk)}\n\n`;
        if (translator.error) out += `data: ${JSON.stringify(openAiError(translator.error.type, translator.error.message))}\n\n`;
      }
      return relayToClient(call, res, out);
    });
  } catch (err) {
    interrupted = true;
    if (!call.abort.signal.aborted) deps.logger.warn({ err, request_id: call.caller.requestId }, 'provider stream broke off');
  }
  interrupted ||= res.destroyed || call.abort.signal.aborted;
  if (!res.destroyed) {
    if (!translator.error && !interrupted) res.write('data: [DONE]\n\n');
    res.end();
  }
  void call.record(observer.finish(interrupted), { streamed: true, ttftMs: observer.ttftMs, providerRequestId: stream.requestId });
}

/** Every failure on this route in OpenAI's error shape (what the `openai` SDK and its users parse). */
function openAiErrorHandler(err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply): void {
  if (err instanceof RateLimitExceeded) void reply.headers(openAiRateLimitHeaders(err.states, Date.now(), err.retryAfterSeconds));
  // The status and message are decided as everywhere else; only the body's shape differs here.
  const apiError = apiErrorOf(err, req);
  if (reply.sent || reply.raw.headersSent) return;
  void reply.code(apiError.status).send(openAiError(apiError.type, apiError.message));
}

export function chatCompletionsRoutes(app: FastifyInstance, deps: GatewayDeps): void {
  void app.register(async (scope) => {
    scope.setErrorHandler(openAiErrorHandler);
    scope.post('/v1/chat/completions', PASS_THROUGH_BODY, async (req, reply) => {
      const chat = chatToMessages(req.body);
      const call = await openCall(deps, req, reply, chat.request, CHAT, { conversation: true });
      if (chat.stream) return streamChat(call, reply, chat.includeUsage);
      try {
        const { body: message, requestId } = await deps.model.create(call.body, call.options);
        call.replied(message.id);
        void reply.headers(headersFor(call)).send(toChatCompletion(message, Math.floor(deps.clock.now() / 1000)));
        void call.record(factsOfMessage(message), { streamed: false, ttftMs: null, providerRequestId: requestId, response: () => JSON.stringify(message) });
      } catch (err) {
        const type = call.abort.signal.aborted ? 'client_disconnected' : sendFailure(call, reply, err);
        void call.record(emptyFacts(type), { streamed: false, ttftMs: null, providerRequestId: failedRequestId(err) });
      }
      return reply;
    });
  });
}

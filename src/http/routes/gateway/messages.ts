// POST /v1/messages (plain and streamed) and /v1/messages/count_tokens: the Messages API on agentd's API key,
// passed through to the configured provider and recorded in the usage ledger.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { factsOfMessage, StreamObserver } from '../../../gateway/call-observer.js';
import { emptyFacts, messagesBody, type GatewayCall } from '../../../gateway/gateway-call.js';
import type { GatewayDeps } from '../../../gateway/gateway-deps.js';
import { rateLimitHeaders } from '../../../gateway/key-limits.js';
import { failedRequestId, failureOf } from '../../../gateway/provider-failure.js';
import { UsageProduct } from '../../../store/usage-types.js';
import { PASS_THROUGH_BODY } from '../../route-config.js';
import { openSseResponse } from '../../sse.js';
import { openCall, relayToClient } from './open-call.js';

const MESSAGES = { product: UsageProduct.messagesApi, callKind: 'message' } as const;
const COUNT_TOKENS = { product: UsageProduct.messagesApi, callKind: 'count_tokens' } as const;

/**
 * Answers a failed provider call as the provider answered it: same status, same error object, its retry headers;
 * the envelope's request_id is agentd's (the provider's is in the ledger). Returns the error type for the ledger.
 */
export function sendProviderFailure(call: GatewayCall, reply: FastifyReply, err: unknown): string {
  const failure = failureOf(err);
  void reply
    .code(failure.status)
    .headers(failure.headers)
    .send({ type: 'error', error: failure.error, request_id: call.caller.requestId });
  return failure.error.type;
}

async function relayStream(call: GatewayCall, reply: FastifyReply): Promise<void> {
  const { deps } = call;
  let stream;
  try {
    stream = await deps.model.stream(call.body, call.options);
  } catch (err) {
    if (call.abort.signal.aborted) return void call.record(emptyFacts('client_disconnected'), { streamed: true, ttftMs: null, providerRequestId: undefined });
    const type = sendProviderFailure(call, reply, err);
    void call.record(emptyFacts(type), { streamed: true, ttftMs: null, providerRequestId: failedRequestId(err) });
    return;
  }
  const res = reply.raw;
  reply.hijack();
  openSseResponse(res, call.caller.requestId, rateLimitHeaders(call.limits));
  const observer = new StreamObserver(call.startedAt, () => performance.now());
  const captured: string[] | undefined = deps.config.capture === 'content' ? [] : undefined;
  let interrupted = false;
  try {
    // The frames of one read from the provider go out in one write, as they came.
    await stream.pump((chunk) => {
      for (const e of chunk.only(StreamObserver.FACT_EVENTS)) {
        observer.observe(e);
        if (e.event === 'message_start') call.replied(observer.facts.messageId);
      }
      if (captured) for (const e of chunk.events) captured.push(e.data);
      return relayToClient(call, res, chunk.raw);
    });
  } catch (err) {
    // The provider's connection broke mid-stream (or the client left): end ours; the ledger says how it ended.
    interrupted = true;
    if (!call.abort.signal.aborted) deps.logger.warn({ err, request_id: call.caller.requestId }, 'provider stream broke off');
  }
  interrupted ||= res.destroyed || call.abort.signal.aborted;
  if (!res.destroyed) res.end();
  void call.record(observer.finish(interrupted), {
    streamed: true,
    ttftMs: observer.ttftMs,
    providerRequestId: stream.requestId,
    response: captured && (() => `[${captured.join(',')}]`),
  });
}

export function messagesRoutes(app: FastifyInstance, deps: GatewayDeps): void {
  app.post('/v1/messages', PASS_THROUGH_BODY, async (req, reply) => {
    const body = messagesBody(req.body);
    const call = await openCall(deps, req, reply, body, MESSAGES, { conversation: true });
    if (body['stream'] === true) return relayStream(call, reply);
    try {
      const { body: message, requestId, raw } = await deps.model.create(body, call.options);
      call.replied(message.id);
      // The provider's bytes when we have them: the same message, without serialising it again.
      void reply.headers(rateLimitHeaders(call.limits)).type('application/json').send(raw ?? message);
      void call.record(factsOfMessage(message), {
        streamed: false,
        ttftMs: null,
        providerRequestId: requestId,
        response: () => JSON.stringify(message),
      });
    } catch (err) {
      if (call.abort.signal.aborted) return void call.record(emptyFacts('client_disconnected'), { streamed: false, ttftMs: null, providerRequestId: undefined });
      const type = sendProviderFailure(call, reply, err);
      void call.record(emptyFacts(type), { streamed: false, ttftMs: null, providerRequestId: failedRequestId(err) });
    }
    return reply;
  });

  app.post('/v1/messages/count_tokens', PASS_THROUGH_BODY, async (req, reply) => {
    const body = messagesBody(req.body);
    const call = await openCall(deps, req, reply, body, COUNT_TOKENS, { conversation: false });
    try {
      const { body: counted, requestId, raw } = await deps.model.countTokens(body, call.options);
      void reply.headers(rateLimitHeaders(call.limits)).type('application/json').send(raw ?? counted);
      // Counting is not a generation: the ledger keeps the call with zero tokens and no cost.
      void call.record(emptyFacts('ok'), { streamed: false, ttftMs: null, providerRequestId: requestId });
    } catch (err) {
      const type = sendProviderFailure(call, reply, err);
      void call.record(emptyFacts(type), { streamed: false, ttftMs: null, providerRequestId: failedRequestId(err) });
    }
    return reply;
  });
}

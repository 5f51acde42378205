// Admitting a gateway call from an HTTP request: who calls, per-key limits, the conversation, and cancellation
// when the client goes away; and relaying a streamed reply to that client.
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../../../gateway/caller.js';
import { CONVERSATION_HEADER, conversationOf, headerConversationId } from '../../../gateway/conversation-key.js';
import { GatewayCall, type CallKind } from '../../../gateway/gateway-call.js';
import type { GatewayDeps } from '../../../gateway/gateway-deps.js';
import { RateLimitExceeded, rateLimitHeaders, type LimitState } from '../../../gateway/key-limits.js';
import { digestKey, presentedKey } from '../../auth.js';
import { writeWithBackpressure } from '../../sse.js';

function headerList(raw: string | string[] | undefined): string[] {
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

export function callerOf(req: FastifyRequest): Caller {
  const principal = req.principal as typeof req.principal & { apiKeyId?: string };
  const apiKeyId = typeof principal.apiKeyId === 'string' ? principal.apiKeyId : null;
  const version = req.headers['anthropic-version'];
  return {
    workspaceId: req.workspaceId,
    apiKeyId,
    limitKey: apiKeyId ?? digestKey(presentedKey(req) ?? '').toString('hex'),
    requestId: String(req.id),
    betas: headerList(req.headers['anthropic-beta']),
    version: typeof version === 'string' && version !== '' ? version : undefined,
  };
}

/**
 * Admits a call: per-key limits (429 with headers when refused), its conversation, and an abort that fires when the
 * client goes away before the answer is complete.
 */
export async function openCall(
  deps: GatewayDeps,
  req: FastifyRequest,
  reply: FastifyReply,
  body: GatewayCall['body'],
  kind: CallKind,
  opts: { conversation: boolean },
): Promise<GatewayCall> {
  const caller = callerOf(req);
  let limits: LimitState[];
  try {
    limits = deps.limits.admit(caller.limitKey);
  } catch (err) {
    if (err instanceof RateLimitExceeded) void reply.headers(rateLimitHeaders(err.states, err.retryAfterSeconds));
    throw err;
  }
  const headerId = headerConversationId(req.headers[CONVERSATION_HEADER]);
  const conversation = opts.conversation
    ? await conversationOf(
        body,
        headerId,
        async (messageId) =>
          deps.replies.conversationOf(caller.workspaceId, messageId) ?? (await deps.store.usage.conversationOfMessage(caller.workspaceId, messageId)),
      )
    : undefined;
  const call = new GatewayCall(deps, caller, body, conversation, kind, limits);
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) call.abort.abort();
  });
  return call;
}

/**
 * Relays frames to the call's client: a promise while its socket is full (the provider is read no further until it
 * settles), nothing otherwise. A client that left ends the call instead (its abort stops the provider's stream).
 */
export function relayToClient(call: GatewayCall, res: ServerResponse, bytes: Buffer | string): Promise<void> | undefined {
  if (res.destroyed) return void call.abort.abort();
  return bytes.length === 0 ? undefined : writeWithBackpressure(res, bytes, call.deps.sseStallMs);
}

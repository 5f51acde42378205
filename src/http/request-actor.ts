// Who a request acts as in audit records (memory versions): an API key by a stable id derived
// from the key, or, for a self-hosted worker's session token, the session it serves.
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ActorType, type ActorRef } from '../store/memory-types.js';
import { presentedKey } from './auth.js';

/** `apikey_` + a digest prefix: identifies a key without revealing it, the same on every replica. */
export const apiKeyId = (key: string): string =>
  'apikey_' + createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 24);

export function requestActor(req: FastifyRequest): ActorRef {
  const p = req.principal;
  if (p.kind === 'work_token') return { type: ActorType.session, id: p.sessionId };
  return { type: ActorType.api, id: apiKeyId(presentedKey(req) ?? '') };
}

// Who is calling the gateway, and the client headers that travel with the call.
import type { FastifyRequest } from 'fastify';
import { digestKey, presentedKey } from '../http/auth.js';

export interface Caller {
  workspaceId: string;
  /** The API key's id once keys have ids (the principal carries `apiKeyId`); null until then. */
  apiKeyId: string | null;
  /** The per-key limits' bucket: the key id, or the key's digest (never the raw key). */
  limitKey: string;
  requestId: string;
  /** `anthropic-beta` values, forwarded as they are. */
  betas: string[];
  /** `anthropic-version`, forwarded when the client sent one. */
  version: string | undefined;
}

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

// API-key authentication: `x-api-key: <key>` or `Authorization: Bearer <key>`, as the SDK sends.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { forbidden, unauthenticated } from '../errors.js';

export interface ApiKeyEntry {
  workspaceId: string;
  /** SHA-256 of the key: the raw key is never kept in memory longer than start-up. */
  digest: Buffer;
}

export const digestKey = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

export function presentedKey(req: FastifyRequest): string | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth);
    if (m) return m[1]!.trim();
  }
  return undefined;
}

/** Resolves the caller's workspace, comparing digests in constant time against every key. */
export function authenticate(req: FastifyRequest, keys: readonly ApiKeyEntry[]): string {
  const key = presentedKey(req);
  if (key === undefined) {
    throw unauthenticated('missing API key: send it as "x-api-key: <key>" or "Authorization: Bearer <key>"');
  }
  const digest = digestKey(key);
  let workspaceId: string | undefined;
  for (const entry of keys) {
    if (timingSafeEqual(entry.digest, digest) && workspaceId === undefined) workspaceId = entry.workspaceId;
  }
  if (workspaceId === undefined) throw unauthenticated('invalid API key');
  const requested = req.headers['anthropic-workspace-id'];
  if (typeof requested === 'string' && requested !== '' && requested !== workspaceId) {
    throw forbidden(`this API key does not belong to workspace "${requested}"`);
  }
  return workspaceId;
}

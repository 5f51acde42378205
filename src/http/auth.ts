// Authentication: `x-api-key: <key>` or `Authorization: Bearer <key>`, as the SDK sends: API keys,
// and (for self-hosted workers) environment keys and session tokens as narrower principals.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../domain/principal.js';
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

/** The workspace of `key`, comparing digests in constant time against every API key. */
function apiKeyWorkspace(key: string, keys: readonly ApiKeyEntry[]): string | undefined {
  const digest = digestKey(key);
  let workspaceId: string | undefined;
  for (const entry of keys) {
    if (timingSafeEqual(entry.digest, digest) && workspaceId === undefined) workspaceId = entry.workspaceId;
  }
  return workspaceId;
}

function requireKey(req: FastifyRequest): string {
  const key = presentedKey(req);
  if (key === undefined) {
    throw unauthenticated('missing API key: send it as "x-api-key: <key>" or "Authorization: Bearer <key>"');
  }
  return key;
}

function checkWorkspaceHeader(req: FastifyRequest, workspaceId: string): void {
  const requested = req.headers['anthropic-workspace-id'];
  if (typeof requested === 'string' && requested !== '' && requested !== workspaceId) {
    throw forbidden(`this API key does not belong to workspace "${requested}"`);
  }
}

/** Resolves the caller's workspace from an API key. */
export function authenticate(req: FastifyRequest, keys: readonly ApiKeyEntry[]): string {
  const workspaceId = apiKeyWorkspace(requireKey(req), keys);
  if (workspaceId === undefined) throw unauthenticated('invalid API key');
  checkWorkspaceHeader(req, workspaceId);
  return workspaceId;
}

/** Looks up a self-hosted worker credential (environment key, session token) by its value. */
export type WorkerCredentialResolver = (key: string) => Promise<Principal | undefined>;

/**
 * Resolves the caller: an API key first; otherwise a worker credential, which is only a narrow
 * principal (what it may reach is decided per route by credential-scopes.ts).
 */
export async function authenticatePrincipal(
  req: FastifyRequest,
  keys: readonly ApiKeyEntry[],
  workers: WorkerCredentialResolver,
): Promise<Principal> {
  const key = requireKey(req);
  const apiWorkspace = apiKeyWorkspace(key, keys);
  const principal: Principal | undefined =
    apiWorkspace !== undefined ? { kind: 'api_key', workspaceId: apiWorkspace } : await workers(key);
  if (!principal) throw unauthenticated('invalid API key');
  checkWorkspaceHeader(req, principal.workspaceId);
  return principal;
}

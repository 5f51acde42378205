// Self-hosted worker credentials: environment keys and per-claim session tokens. Both are random
// bearer strings shown once and stored only as a SHA-256 digest.
import { createHash, randomBytes } from 'node:crypto';
import type { WorkSecret } from '../api/work-wire.js';

/** Environment keys: one environment's work queue (poll, ack, heartbeat, stop, list). */
export const ENVIRONMENT_KEY_PREFIX = 'sk-agentd-envkey-';
/** Session tokens: one claim of one work item, and its session's event endpoints. */
export const WORK_TOKEN_PREFIX = 'sk-agentd-worktok-';

export const credentialDigest = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex');

export const newCredential = (prefix: string): string => `${prefix}${randomBytes(32).toString('base64url')}`;

/**
 * The wire `secret`: base64url JSON of BetaWorkSecret, which the SDK worker decodes for its token;
 * `api_base_url` tells workers that read it (Python, Go) where to make the item's calls.
 */
export function encodeWorkSecret(sessionsToken: string, apiBaseUrl?: string): string {
  const secret: WorkSecret = { sessions_token: sessionsToken, ...(apiBaseUrl ? { api_base_url: apiBaseUrl } : {}) };
  return Buffer.from(JSON.stringify(secret), 'utf8').toString('base64url');
}

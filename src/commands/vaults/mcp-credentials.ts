// The credential a session's MCP calls carry: resolved from the session's vaults each time it is
// used (so a rotated secret takes effect on the next call), and an mcp_oauth access token
// refreshed through its token endpoint, the new tokens sealed back.
import type { CapturedHttpResponse } from '../../api/vault-wire.js';
import type { CredentialSecrets } from '../../domain/records/vault.js';
import type { Fetch } from '../../net/guarded-fetch.js';
import type { CredentialRecord } from '../../store/vault-types.js';
import { openSecrets, sealSecrets } from './credentials.js';
import type { VaultDeps } from './vault-deps.js';

/** What an MCP request needs of a credential: who it is (never the secret, in any message) and the bearer. */
export interface McpCredential {
  credentialId: string;
  vaultId: string;
  bearer: string;
  /** mcp_oauth with a refresh block. */
  refreshable: boolean;
  /** Epoch ms the access token expires at, if known. */
  expiresAt: number | undefined;
}

export type RefreshOutcome =
  | { ok: true; bearer: string }
  | { ok: false; status: 'failed' | 'connect_error' | 'no_refresh_token'; message: string; httpResponse: CapturedHttpResponse | null };

/** Both sides normalised (`https://a.example/mcp` and `https://A.example:443/mcp` match). */
function sameUrl(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return a === b;
  }
}

/** The first of the session's vaults (in `vault_ids` order) with an active MCP credential for `serverUrl`. */
export async function findMcpCredential(deps: VaultDeps, vaultIds: readonly string[], serverUrl: string): Promise<CredentialRecord | undefined> {
  const active = await deps.store.vaults.activeCredentials(vaultIds);
  return active.find((c) => c.auth.type !== 'environment_variable' && sameUrl(c.auth.mcpServerUrl, serverUrl));
}

export function mcpCredentialOf(deps: VaultDeps, c: CredentialRecord): McpCredential | undefined {
  const secrets = openSecrets(deps.secrets, c);
  if (c.auth.type === 'static_bearer' && secrets.token) {
    return { credentialId: c.id, vaultId: c.vaultId, bearer: secrets.token, refreshable: false, expiresAt: undefined };
  }
  if (c.auth.type === 'mcp_oauth' && secrets.accessToken) {
    return {
      credentialId: c.id,
      vaultId: c.vaultId,
      bearer: secrets.accessToken,
      refreshable: c.auth.refresh !== null && secrets.refreshToken !== undefined,
      expiresAt: c.auth.expiresAt ? Date.parse(c.auth.expiresAt) : undefined,
    };
  }
  return undefined;
}

const BODY_MAX = 1024;

/** The spellings a secret travels in (as is, in a URL or form body, base64) besides the exact strings sent. */
function spellings(secret: string): string[] {
  const form = new URLSearchParams({ s: secret }).toString().slice(2);
  return [secret, encodeURIComponent(secret), form, Buffer.from(secret).toString('base64')];
}

/**
 * A token endpoint's or MCP server's answer, truncated, with the credential's secrets and token-like values scrubbed:
 * the secrets as stored and as sent (form-encoded, URL-encoded, base64, and the exact strings in `sent`, such as a
 * Basic authorization header), and values of token-like JSON keys or form fields (a freshly issued token).
 */
export function captureResponse(status: number, contentType: string, body: string, secrets: CredentialSecrets, sent: readonly string[] = []): CapturedHttpResponse {
  let text = body
    .replace(/("(?:[a-z_]*token|[a-z_]*secret|password)"\s*:\s*)"[^"]*"/gi, '$1"[redacted]"')
    .replace(/(\b(?:[a-z_]*token|[a-z_]*secret|password)=)[^&\s"]*/gi, '$1[redacted]');
  const hidden = [...Object.values(secrets).flatMap((s) => (s ? spellings(s) : [])), ...sent].filter((s) => s.length >= 4);
  // Longest first: a header holding a secret goes as a whole.
  for (const s of hidden.sort((a, b) => b.length - a.length)) text = text.split(s).join('[redacted]');
  return { status_code: status, content_type: contentType, body: text.slice(0, BODY_MAX), body_truncated: text.length > BODY_MAX };
}

/** One refresh per credential at a time in this process: a second caller gets the first one's token. */
const inFlight = new Map<string, Promise<RefreshOutcome>>();

export function refreshMcpOAuth(deps: VaultDeps & { fetch: Fetch }, c: CredentialRecord): Promise<RefreshOutcome> {
  const running = inFlight.get(c.id);
  if (running) return running;
  const p = doRefresh(deps, c).finally(() => inFlight.delete(c.id));
  inFlight.set(c.id, p);
  return p;
}

async function doRefresh(deps: VaultDeps & { fetch: Fetch }, stale: CredentialRecord): Promise<RefreshOutcome> {
  // Re-read: another caller may have refreshed (or the user rotated the token) since `stale` was read.
  const c = (await deps.store.vaults.getCredential(stale.vaultId, stale.id)) ?? stale;
  if (c.auth.type !== 'mcp_oauth' || c.archivedAt) {
    return { ok: false, status: 'no_refresh_token', message: `credential ${c.id} can no longer be refreshed`, httpResponse: null };
  }
  const secrets = openSecrets(deps.secrets, c);
  const staleToken = openSecrets(deps.secrets, stale).accessToken;
  if (secrets.accessToken && secrets.accessToken !== staleToken) return { ok: true, bearer: secrets.accessToken };
  const refresh = c.auth.refresh;
  if (!refresh || !secrets.refreshToken) {
    return { ok: false, status: 'no_refresh_token', message: `credential ${c.id} has no refresh token`, httpResponse: null };
  }
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: secrets.refreshToken });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (refresh.tokenEndpointAuth === 'client_secret_basic') {
    // RFC 6749 §2.3.1: both parts form-urlencoded before base64.
    const user = encodeURIComponent(refresh.clientId);
    const pass = encodeURIComponent(secrets.clientSecret ?? '');
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
  } else {
    form.set('client_id', refresh.clientId);
    if (refresh.tokenEndpointAuth === 'client_secret_post') form.set('client_secret', secrets.clientSecret ?? '');
  }
  if (refresh.scope) form.set('scope', refresh.scope);
  if (refresh.resource) form.set('resource', refresh.resource);
  let res: Response;
  try {
    res = await deps.fetch(refresh.tokenEndpoint, { method: 'POST', headers, body: form.toString(), signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    const reason = (err as Error).cause instanceof Error ? ((err as Error).cause as Error).message : (err as Error).message;
    return { ok: false, status: 'connect_error', message: `could not reach the token endpoint of credential ${c.id}: ${reason}`, httpResponse: null };
  }
  const text = await res.text();
  // What was sent: the Basic header carries the client secret in base64 of "id:secret" (no spelling of it alone).
  const sent = headers.authorization ? [headers.authorization, headers.authorization.slice('Basic '.length)] : [];
  const captured = captureResponse(res.status, res.headers.get('content-type') ?? '', text, secrets, sent);
  let token: { access_token?: unknown; refresh_token?: unknown; expires_in?: unknown } = {};
  try {
    token = JSON.parse(text) as typeof token;
  } catch {
    // not JSON: reported below
  }
  if (!res.ok || typeof token.access_token !== 'string' || token.access_token === '') {
    const why = res.ok ? 'answered without an access_token' : `answered ${res.status}`;
    return { ok: false, status: 'failed', message: `the token endpoint of credential ${c.id} ${why}`, httpResponse: captured };
  }
  const next: CredentialSecrets = { ...secrets, accessToken: token.access_token };
  if (typeof token.refresh_token === 'string' && token.refresh_token !== '') next.refreshToken = token.refresh_token;
  const expiresIn = typeof token.expires_in === 'number' ? token.expires_in : Number(token.expires_in);
  const expiresAt = Number.isFinite(expiresIn) && expiresIn > 0 ? new Date(Date.parse(deps.now()) + expiresIn * 1000).toISOString() : null;
  await deps.store.vaults.updateCredential({ ...c, auth: { ...c.auth, expiresAt }, sealedSecrets: sealSecrets(deps.secrets, c.id, next) });
  return { ok: true, bearer: token.access_token };
}

// What a credential create or update makes of its `auth` block: the public configuration the wire
// shows and the write-only secrets sealed apart from it. Pure; the caller seals and stores.
import type { CredentialAuthCreateInput, CredentialAuthUpdateInput, NetworkingInput } from '../api/schemas/vault.js';
import { invalidRequest } from '../errors.js';
import type { CredentialAuthConfig, CredentialNetworking, CredentialSecrets } from './records/vault.js';

export interface CredentialAuth {
  auth: CredentialAuthConfig;
  secrets: CredentialSecrets;
}

const networkingOf = (n: NetworkingInput): CredentialNetworking =>
  n.type === 'unrestricted' ? { type: 'unrestricted' } : { type: 'limited', allowedHosts: [...n.allowed_hosts] };

/** Omitted entirely, a credential is substituted into headers only (the narrower choice). */
function injectionOf(given: { header?: boolean | undefined; body?: boolean | undefined } | undefined) {
  const injection = given === undefined ? { header: true, body: false } : { header: given.header ?? false, body: given.body ?? false };
  if (!injection.header && !injection.body) {
    throw invalidRequest('auth.injection_location: at least one of header or body must be enabled');
  }
  return injection;
}

/** `expires_at` must lie in the future (as documented); `now` is an ISO-8601 string. */
function futureExpiry(expiresAt: string | null | undefined, now: string): string | null {
  if (expiresAt === undefined || expiresAt === null) return null;
  const at = new Date(expiresAt);
  if (at.getTime() <= new Date(now).getTime()) throw invalidRequest('auth.expires_at: must be in the future');
  return at.toISOString();
}

export function authFromCreate(input: CredentialAuthCreateInput, now: string): CredentialAuth {
  switch (input.type) {
    case 'static_bearer':
      return { auth: { type: 'static_bearer', mcpServerUrl: input.mcp_server_url }, secrets: { token: input.token } };
    case 'mcp_oauth': {
      const r = input.refresh;
      const secrets: CredentialSecrets = { accessToken: input.access_token };
      if (r) {
        secrets.refreshToken = r.refresh_token;
        if (r.token_endpoint_auth.type !== 'none') secrets.clientSecret = r.token_endpoint_auth.client_secret;
      }
      return {
        auth: {
          type: 'mcp_oauth',
          mcpServerUrl: input.mcp_server_url,
          expiresAt: futureExpiry(input.expires_at, now),
          refresh: r
            ? {
                clientId: r.client_id,
                tokenEndpoint: r.token_endpoint,
                tokenEndpointAuth: r.token_endpoint_auth.type,
                resource: r.resource ?? null,
                scope: r.scope ?? null,
              }
            : null,
        },
        secrets,
      };
    }
    case 'environment_variable':
      return {
        auth: {
          type: 'environment_variable',
          secretName: input.secret_name,
          networking: networkingOf(input.networking),
          injection: injectionOf(input.injection_location),
        },
        secrets: { secretValue: input.secret_value },
      };
  }
}

/** Applies an update's `auth` block; its `type` must be the credential's (types never change). */
export function applyAuthUpdate(current: CredentialAuth, input: CredentialAuthUpdateInput, now: string): CredentialAuth {
  const { auth } = current;
  if (input.type !== auth.type) {
    throw invalidRequest(`auth.type: must be "${auth.type}", the credential's type, which cannot change`);
  }
  const secrets = { ...current.secrets };
  if (input.type === 'static_bearer' && auth.type === 'static_bearer') {
    if (input.token) secrets.token = input.token;
    return { auth, secrets };
  }
  if (input.type === 'environment_variable' && auth.type === 'environment_variable') {
    if (input.secret_value) secrets.secretValue = input.secret_value;
    const given = input.injection_location;
    const injection =
      given === undefined ? auth.injection : injectionOf({ header: given.header ?? auth.injection.header, body: given.body ?? auth.injection.body });
    const networking = input.networking ? networkingOf(input.networking) : auth.networking;
    return { auth: { ...auth, injection, networking }, secrets };
  }
  if (input.type === 'mcp_oauth' && auth.type === 'mcp_oauth') {
    if (input.access_token) secrets.accessToken = input.access_token;
    // Left out: keep the stored expiry; null: the expiry is unknown.
    const expiresAt = input.expires_at === undefined ? auth.expiresAt : futureExpiry(input.expires_at, now);
    let refresh = auth.refresh;
    const r = input.refresh;
    if (r) {
      if (!refresh) throw invalidRequest('auth.refresh: this credential has no refresh configuration to update');
      if (r.refresh_token) secrets.refreshToken = r.refresh_token;
      if (r.scope !== undefined && r.scope !== null) refresh = { ...refresh, scope: r.scope === '' ? null : r.scope };
      if (r.token_endpoint_auth) {
        if (refresh.tokenEndpointAuth === 'none') {
          throw invalidRequest('auth.refresh.token_endpoint_auth: the credential uses "none"; a client secret cannot be added');
        }
        // The credential keeps its current client auth type, whichever type was sent.
        if (r.token_endpoint_auth.client_secret) secrets.clientSecret = r.token_endpoint_auth.client_secret;
      }
    }
    return { auth: { ...auth, expiresAt, refresh }, secrets };
  }
  throw invalidRequest('auth.type: unsupported');
}

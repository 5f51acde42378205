// Who is calling the gateway, and the client headers that travel with the call.
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

// The engine's access to a session's MCP servers: lists their tools (once per session and
// configuration, so the request prefix stays cacheable) and runs tool calls. Each exchange resolves
// the credential afresh from the session's vaults (a rotated secret counts at once), refreshes an
// mcp_oauth token before it expires or after a 401, and reports failures as results, never throws.
import type { McpServerFailure } from '../../domain/changes/mcp.js';
import type { Clock } from '../../domain/clock.js';
import type { ModelToolResultContent } from '../../domain/conversation-blocks.js';
import type { McpToolInfo } from '../../domain/mcp-tools.js';
import type { Logger } from '../../logger.js';
import { scrubAnswer, withMcpClient, type Client, type McpFailure, type McpResult } from '../../mcp/mcp-client.js';
import type { Fetch } from '../../net/guarded-fetch.js';
import type { SessionRecord } from '../../store/types.js';
import { toolResultContent } from './mcp-content.js';

/** A credential for one MCP server, as the vault use cases resolve it (commands/vaults/mcp-credentials.ts). */
export interface McpBearer {
  credentialId: string;
  bearer: string;
  refreshable: boolean;
  /** Epoch ms, if known. */
  expiresAt: number | undefined;
  /** Exchanges the refresh token; the new token is stored sealed before it is returned. */
  refresh(): Promise<{ ok: true; bearer: string } | { ok: false; message: string }>;
}

/** Where MCP credentials come from (wired to the vault use cases). */
export interface McpCredentialSource {
  forServer(session: SessionRecord, serverUrl: string): Promise<McpBearer | undefined>;
}

export interface McpListing {
  listed: Map<string, McpToolInfo[]>;
  /** Servers that failed and had not failed the same way before (report each once). */
  failures: McpServerFailure[];
}

export interface McpCallOutcome {
  content: ModelToolResultContent;
  isError: boolean;
  /** An authentication failure to report as session.error too. */
  failure: McpServerFailure | undefined;
}

/** The MCP port of the steps (StepEffects.mcp). */
export interface McpTools {
  list(session: SessionRecord, signal?: AbortSignal): Promise<McpListing>;
  call(session: SessionRecord, server: string, tool: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<McpCallOutcome>;
}

export interface McpHubDeps {
  credentials: McpCredentialSource;
  fetch: Fetch;
  timeoutMs: number;
  clock: Clock;
  logger: Logger;
}

/** Sessions whose tool listings stay cached (least recently listed dropped first). */
const LISTINGS_KEPT = 1000;

/** Refresh this long before the known expiry. */
const EXPIRY_MARGIN_MS = 60_000;

type Exchange<T> = McpResult<T> & { authFailure?: string | undefined; credentialId?: string | undefined };

export class McpHub implements McpTools {
  private readonly listings = new Map<string, { key: string; listed: Map<string, McpToolInfo[]> }>();
  private readonly reported = new Map<string, Map<string, string>>();

  constructor(private readonly deps: McpHubDeps) {}

  async list(session: SessionRecord, signal?: AbortSignal): Promise<McpListing> {
    const wanted = session.agent.mcp_servers.filter((s) =>
      session.agent.tools.some((t) => t.type === 'mcp_toolset' && t.mcp_server_name === s.name),
    );
    const key = JSON.stringify([wanted, session.vaultIds]);
    const cached = this.listings.get(session.id);
    if (cached?.key === key) return { listed: cached.listed, failures: [] };
    const listed = new Map<string, McpToolInfo[]>();
    const failures: McpServerFailure[] = [];
    const reported = this.reported.get(session.id) ?? new Map<string, string>();
    this.reported.set(session.id, reported);
    await Promise.all(
      wanted.map(async (server) => {
        const result = await this.exchange(session, server.url, signal, async (client, track) => {
          track('tools/list');
          return listAll(client, this.deps.timeoutMs, signal);
        });
        if (result.ok) {
          listed.set(server.name, result.value);
          reported.delete(server.name);
          return;
        }
        const failure = this.failureOf(server.name, result);
        if (reported.get(server.name) !== failure.message) failures.push(failure);
        reported.set(server.name, failure.message);
      }),
    );
    // Only a complete listing is kept: a server that failed is tried again before the next model call.
    if (listed.size === wanted.length) this.remember(session.id, { key, listed });
    return { listed, failures };
  }

  async call(session: SessionRecord, server: string, tool: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<McpCallOutcome> {
    const def = session.agent.mcp_servers.find((s) => s.name === server);
    if (!def) return errorOutcome(`The MCP server "${server}" is no longer configured for this session.`, undefined);
    const result = await this.exchange(session, def.url, signal, async (client, track) => {
      track('tools/call');
      const r = await client.callTool({ name: tool, arguments: args }, undefined, { timeout: this.deps.timeoutMs, ...(signal ? { signal } : {}) });
      return r as { content?: unknown; structuredContent?: unknown; isError?: unknown };
    });
    if (result.ok) {
      const content = toolResultContent(result.value);
      return { content: content.length > 0 ? content : [{ type: 'text', text: '(no output)' }], isError: result.value.isError === true, failure: undefined };
    }
    const failure = this.failureOf(server, result);
    return errorOutcome(`Calling ${tool} on the MCP server "${server}" failed: ${failure.message}`, failure.type === 'mcp_authentication_failed_error' ? failure : undefined);
  }

  /** Keeps the most recently listed sessions only (a listing is re-made when it was dropped). */
  private remember(sessionId: string, listing: { key: string; listed: Map<string, McpToolInfo[]> }): void {
    this.listings.delete(sessionId);
    this.listings.set(sessionId, listing);
    for (const oldest of this.listings.keys()) {
      if (this.listings.size <= LISTINGS_KEPT) break;
      this.listings.delete(oldest);
      this.reported.delete(oldest);
    }
  }

  private failureOf(server: string, result: Exchange<unknown> & { ok: false }): McpServerFailure {
    if (result.authFailure) return { server, type: 'mcp_authentication_failed_error', message: result.authFailure };
    const f: McpFailure = result.failure;
    if (f.kind === 'unauthorized') {
      const who = result.credentialId
        ? `the credential ${result.credentialId}`
        : 'the request (no credential in the session\'s vaults matches its URL)';
      return { server, type: 'mcp_authentication_failed_error', message: `the MCP server rejected ${who} with 401 at ${f.method}` };
    }
    const http = f.http ? ` (HTTP ${f.http.status})` : '';
    return { server, type: 'mcp_connection_failed_error', message: `${f.method} failed${http}: ${f.message}` };
  }

  /** One client session with the server, with the credential applied and refreshed as needed. */
  private async exchange<T>(
    session: SessionRecord,
    url: string,
    signal: AbortSignal | undefined,
    use: (client: Client, track: (method: string) => void) => Promise<T>,
  ): Promise<Exchange<T>> {
    let cred: McpBearer | undefined;
    try {
      cred = await this.deps.credentials.forServer(session, url);
    } catch (err) {
      // E.g. a secret sealed under another key (replicas with different AGENTD_SECRET_KEYs).
      const problem = `could not read the session's credential for this server: ${(err as Error).message}`;
      return { ok: false, failure: { kind: 'unauthorized', method: 'credential', message: problem, http: undefined }, authFailure: problem };
    }
    let bearer = cred?.bearer;
    let refreshed = false;
    const refresh = async (): Promise<string | undefined> => {
      refreshed = true;
      const r = await cred!.refresh();
      if (r.ok) {
        bearer = r.bearer;
        return undefined;
      }
      this.deps.logger.warn({ session_id: session.id, credential_id: cred!.credentialId }, 'MCP OAuth refresh failed');
      return `could not refresh the access token of credential ${cred!.credentialId}: ${r.message}`;
    };
    const failed = (authFailure: string): Exchange<T> => ({
      ok: false,
      failure: { kind: 'unauthorized', method: 'refresh', message: authFailure, http: undefined },
      authFailure,
      credentialId: cred?.credentialId,
    });
    if (cred?.refreshable && cred.expiresAt !== undefined && cred.expiresAt - this.deps.clock.now() < EXPIRY_MARGIN_MS) {
      const problem = await refresh();
      if (problem) return failed(problem);
    }
    const sent = new Set<string>();
    const endpoint = () => {
      if (bearer) sent.add(bearer);
      return { url, bearer, fetch: this.deps.fetch, timeoutMs: this.deps.timeoutMs };
    };
    let result = await withMcpClient(endpoint(), signal, use);
    if (!result.ok && result.failure.kind === 'unauthorized' && cred?.refreshable && !refreshed) {
      const problem = await refresh();
      if (problem) return failed(problem);
      result = await withMcpClient(endpoint(), signal, use);
    }
    // What the server answers goes to events, the model and spans: never with a token it was sent.
    if (result.ok) result = { ok: true, value: scrubAnswer(result.value, [...sent]) };
    return { ...result, credentialId: cred?.credentialId };
  }
}

const errorOutcome = (text: string, failure: McpServerFailure | undefined): McpCallOutcome => ({
  content: [{ type: 'text', text }],
  isError: true,
  failure,
});

/** Every page of tools/list. */
async function listAll(client: Client, timeout: number, signal: AbortSignal | undefined): Promise<McpToolInfo[]> {
  const tools: McpToolInfo[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor ? { cursor } : undefined, { timeout, ...(signal ? { signal } : {}) });
    for (const t of page.tools) tools.push({ name: t.name, description: t.description, inputSchema: t.inputSchema as Record<string, unknown> });
    cursor = page.nextCursor;
  } while (cursor);
  return tools;
}

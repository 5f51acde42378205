// MCP toolsets end to end: real MCP servers on 127.0.0.1 (built with @modelcontextprotocol/sdk,
// bearer-protected), a real loopback OAuth token endpoint, the fake Messages API scripting the
// model's tool calls, and the server driven through the official SDK on both dialects.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { expectEnvelope, failure } from '../helpers/errors.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { startMcpServer, type TestMcpServer } from '../helpers/mcp-server.js';
import { secretsIn, storedTexts } from '../helpers/secret-scan.js';
import { sendText, streamWhile, typesOf, waitSettled, type StreamEvent } from '../helpers/turns.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';

interface TokenEndpoint {
  url: string;
  requests: { authorization: string | undefined; form: URLSearchParams }[];
  /** The next answer: a token response, or an error status. */
  answer: { access_token: string; expires_in?: number; refresh_token?: string } | { status: number } | { echo: number };
  close(): Promise<void>;
}

async function startTokenEndpoint(): Promise<TokenEndpoint> {
  const ep: Omit<TokenEndpoint, 'url' | 'close'> = { requests: [], answer: { status: 500 } };
  const server = http.createServer(async (req, res) => {
    let raw = '';
    for await (const c of req) raw += c;
    ep.requests.push({ authorization: req.headers.authorization, form: new URLSearchParams(raw) });
    const a = ep.answer;
    if ('echo' in a) {
      // A careless endpoint: its error quotes what it received, as sent (Basic header, form-encoded body).
      res.writeHead(a.echo, { 'content-type': 'text/plain' }).end(`got authorization=${req.headers.authorization ?? ''} body=${raw}`);
    } else if ('status' in a) {
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_grant' }));
    } else {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token_type: 'Bearer', ...a }));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return Object.assign(ep, {
    url: `http://127.0.0.1:${port}/oauth/token`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }) as TokenEndpoint;
}

const toolUse = (id: string, name: string, input: Record<string, unknown>) => ({
  content: [{ type: 'tool_use' as const, id, name, input }],
});
const reply = (text: string) => ({ content: [{ type: 'text' as const, text }] });
const ofType = <T extends StreamEvent['type']>(events: StreamEvent[], type: T) =>
  events.filter((e): e is Extract<StreamEvent, { type: T }> => e.type === type);

describe.each(dialects())('MCP toolsets (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const logLines: string[] = [];
  const t = useServer(dialect, () => ({
    model: fake,
    env: { AGENTD_MCP_ALLOW_PRIVATE: 'true', AGENTD_MCP_TIMEOUT_MS: '5000' },
    logSink: (line) => logLines.push(line),
  }));
  const secrets: string[] = [];
  const keep = (s: string) => (secrets.push(s), s);
  let mcp: TestMcpServer;
  let sse: TestMcpServer;
  let tokens: TokenEndpoint;
  const BEARER = keep(`mcp-bearer-${Math.random().toString(36).slice(2)}`);

  beforeAll(async () => {
    mcp = await startMcpServer({ tokens: [BEARER] });
    sse = await startMcpServer({ transport: 'sse', tokens: [BEARER] });
    tokens = await startTokenEndpoint();
  });
  afterAll(async () => {
    await mcp?.close();
    await sse?.close();
    await tokens?.close();
  });

  async function vaultWith(auth: Anthropic.Beta.Vaults.CredentialCreateParams['auth']) {
    const vault = await t.client.beta.vaults.create({ display_name: 'v' });
    const credential = await t.client.beta.vaults.credentials.create(vault.id, { auth });
    return { vault, credential };
  }

  async function mcpSession(opts: { url?: string; policy?: 'always_allow' | 'always_ask'; vaultIds?: string[]; configs?: any[] } = {}) {
    const agent = await createAgent(t.client, {
      model: 'claude-opus-4-8',
      mcp_servers: [{ type: 'url', name: 'calc', url: opts.url ?? mcp.url }],
      tools: [
        {
          type: 'mcp_toolset',
          mcp_server_name: 'calc',
          ...(opts.policy ? { default_config: { permission_policy: { type: opts.policy } } } : {}),
          ...(opts.configs ? { configs: opts.configs } : {}),
        },
      ],
    });
    const env = await createEnvironment(t.client);
    return t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id, vault_ids: opts.vaultIds ?? [] });
  }

  it('offers the server\'s tools and runs an always_allow call with the vault\'s bearer', async () => {
    const { vault } = await vaultWith({ type: 'static_bearer', token: BEARER, mcp_server_url: mcp.url });
    const session = await mcpSession({ policy: 'always_allow', vaultIds: [vault.id] });
    expect(session.vault_ids).toEqual([vault.id]);
    fake.enqueue(toolUse('toolu_add1', 'mcp__calc__add', { a: 2, b: 3 }), reply('2 + 3 = 5'));
    const before = mcp.calls.length;
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'add 2 and 3'));
    const [use] = ofType(events, 'agent.mcp_tool_use');
    expect(use).toMatchObject({ name: 'add', mcp_server_name: 'calc', input: { a: 2, b: 3 }, evaluated_permission: 'allow' });
    expect(ofType(events, 'agent.mcp_tool_result')).toEqual([
      expect.objectContaining({ mcp_tool_use_id: use!.id, content: [{ type: 'text', text: '5' }], is_error: false }),
    ]);
    expect(ofType(events, 'agent.tool_use')).toEqual([]);
    expect(mcp.calls.slice(before)).toEqual([{ tool: 'add', args: { a: 2, b: 3 }, authorization: `Bearer ${BEARER}` }]);

    const [first, second] = fake.requests.slice(-2).map((r) => r.body as Record<string, any>);
    const names = (first!.tools as { name: string }[]).map((x) => x.name);
    expect(names).toEqual(['mcp__calc__add', 'mcp__calc__echo', 'mcp__calc__explode', 'mcp__calc__rpc_error', 'mcp__calc__whoami', 'mcp__calc__block']);
    expect(first!.tools[0].input_schema).toMatchObject({ type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } });
    const result = second!.messages.at(-1).content[0];
    expect(result).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_add1', content: [{ type: 'text', text: '5' }] });
  });

  it('a server quoting the bearer it was sent: the result reaching events and the model has it scrubbed', async () => {
    const { vault } = await vaultWith({ type: 'static_bearer', token: BEARER, mcp_server_url: mcp.url });
    const session = await mcpSession({ policy: 'always_allow', vaultIds: [vault.id] });
    fake.enqueue(toolUse('toolu_who1', 'mcp__calc__whoami', {}), reply('denied'));
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'who am i'));
    expect(ofType(events, 'agent.mcp_tool_result')).toEqual([
      expect.objectContaining({ content: [{ type: 'text', text: 'permission denied for Bearer [redacted]' }], is_error: true }),
    ]);
    const sent = fake.requests.at(-1)!.body as Record<string, any>;
    expect(sent.messages.at(-1).content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_who1', content: [{ type: 'text', text: 'permission denied for Bearer [redacted]' }] });
    expect(JSON.stringify([events, fake.requests.map((r) => r.body)])).not.toContain(BEARER);
  });

  it('honours per-tool enablement and always_ask: confirm runs the call, deny answers the model', async () => {
    const { vault } = await vaultWith({ type: 'static_bearer', token: BEARER, mcp_server_url: mcp.url });
    const session = await mcpSession({
      policy: 'always_ask',
      vaultIds: [vault.id],
      configs: [{ name: 'explode', enabled: false }, { name: 'add', permission_policy: { type: 'always_ask' } }],
    });
    fake.enqueue(toolUse('toolu_ask1', 'mcp__calc__echo', { text: 'hi' }), reply('echoed'), toolUse('toolu_ask2', 'mcp__calc__add', { a: 1, b: 1 }), reply('ok'));
    const first = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'echo hi'), (e) => e.type === 'session.status_idle');
    const names = (fake.requests.at(-1)!.body as any).tools.map((x: { name: string }) => x.name);
    expect(names).not.toContain('mcp__calc__explode');
    const [use] = ofType(first, 'agent.mcp_tool_use');
    expect(use).toMatchObject({ name: 'echo', evaluated_permission: 'ask' });
    expect(first.at(-1)).toMatchObject({ stop_reason: { type: 'requires_action', event_ids: [use!.id] } });
    const before = mcp.calls.length;
    const done = await streamWhile(t.client, session.id, () =>
      t.client.beta.sessions.events.send(session.id, { events: [{ type: 'user.tool_confirmation', tool_use_id: use!.id, result: 'allow' }] }),
    );
    expect(ofType(done, 'agent.mcp_tool_result')[0]).toMatchObject({ mcp_tool_use_id: use!.id, is_error: false, content: [{ type: 'text', text: 'hi' }] });
    expect(mcp.calls.length).toBe(before + 1);

    const second = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'add'), (e) => e.type === 'session.status_idle');
    const [add] = ofType(second, 'agent.mcp_tool_use');
    const denied = await streamWhile(t.client, session.id, () =>
      t.client.beta.sessions.events.send(session.id, {
        events: [{ type: 'user.tool_confirmation', tool_use_id: add!.id, result: 'deny', deny_message: 'not now' }],
      }),
    );
    expect(ofType(denied, 'agent.mcp_tool_result')[0]).toMatchObject({ mcp_tool_use_id: add!.id, is_error: true });
    expect(JSON.stringify(ofType(denied, 'agent.mcp_tool_result')[0]!.content)).toContain('not now');
    expect(mcp.calls.length).toBe(before + 1); // the denied call never reached the server
  });

  it('resolves the credential on every call: a rotated token takes effect at once', async () => {
    const rotated = keep(`rotated-${Math.random().toString(36).slice(2)}`);
    const { vault, credential } = await vaultWith({ type: 'static_bearer', token: BEARER, mcp_server_url: mcp.url });
    const session = await mcpSession({ policy: 'always_allow', vaultIds: [vault.id] });
    fake.enqueue(toolUse('toolu_r1', 'mcp__calc__echo', { text: 'one' }), reply('1'));
    await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'one'));
    mcp.accept([rotated]);
    try {
      await t.client.beta.vaults.credentials.update(credential.id, { vault_id: vault.id, auth: { type: 'static_bearer', token: rotated } });
      fake.enqueue(toolUse('toolu_r2', 'mcp__calc__echo', { text: 'two' }), reply('2'));
      const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'two'));
      expect(ofType(events, 'agent.mcp_tool_result')[0]).toMatchObject({ is_error: false, content: [{ type: 'text', text: 'two' }] });
      expect(mcp.calls.at(-1)!.authorization).toBe(`Bearer ${rotated}`);
    } finally {
      mcp.accept([BEARER]);
    }
  });

  it('refreshes an mcp_oauth token on a 401 and before expiry, and reports a failed refresh', async () => {
    const stale = keep(`stale-${Math.random().toString(36).slice(2)}`);
    const fresh = keep(`fresh-${Math.random().toString(36).slice(2)}`);
    const refreshToken = keep(`refresh-${Math.random().toString(36).slice(2)}`);
    const clientSecret = keep(`client-secret-${Math.random().toString(36).slice(2)}`);
    const oauth = await startMcpServer({ tokens: [fresh] });
    try {
      const { vault, credential } = await vaultWith({
        type: 'mcp_oauth',
        mcp_server_url: oauth.url,
        access_token: stale,
        refresh: {
          refresh_token: refreshToken,
          client_id: 'agentd-client',
          token_endpoint: tokens.url,
          token_endpoint_auth: { type: 'client_secret_basic', client_secret: clientSecret },
          scope: 'tools',
        },
      });
      tokens.answer = { access_token: fresh, expires_in: 3600 };
      const session = await mcpSession({ url: oauth.url, policy: 'always_allow', vaultIds: [vault.id] });
      fake.enqueue(toolUse('toolu_o1', 'mcp__calc__add', { a: 20, b: 22 }), reply('42'));
      const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'add'));
      expect(ofType(events, 'agent.mcp_tool_result')[0]).toMatchObject({ is_error: false, content: [{ type: 'text', text: '42' }] });
      // The 401 on the stale token led to one refresh with the client's basic auth.
      expect(tokens.requests).toHaveLength(1);
      const [refreshReq] = tokens.requests;
      expect(refreshReq!.authorization).toBe(`Basic ${Buffer.from(`agentd-client:${clientSecret}`).toString('base64')}`);
      expect(Object.fromEntries(refreshReq!.form)).toEqual({ grant_type: 'refresh_token', refresh_token: refreshToken, scope: 'tools' });
      expect(oauth.calls.at(-1)!.authorization).toBe(`Bearer ${fresh}`);
      // The new token's expiry is stored.
      const stored = await t.client.beta.vaults.credentials.retrieve(credential.id, { vault_id: vault.id });
      const expiresAt = Date.parse((stored.auth as { expires_at: string }).expires_at);
      expect(Math.abs(expiresAt - (Date.now() + 3_600_000))).toBeLessThan(60_000);
      // 30 s left is inside the refresh margin: the next call refreshes before it goes out, and
      // this time the endpoint refuses.
      await t.client.beta.vaults.credentials.update(credential.id, {
        vault_id: vault.id,
        auth: { type: 'mcp_oauth', expires_at: new Date(Date.now() + 30_000).toISOString() },
      });
      tokens.answer = { status: 400 };
      fake.enqueue(toolUse('toolu_o2', 'mcp__calc__add', { a: 1, b: 2 }), reply('sorry'));
      const failed = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'again'));
      expect(tokens.requests).toHaveLength(2);
      const result = ofType(failed, 'agent.mcp_tool_result')[0]!;
      expect(result.is_error).toBe(true);
      expect(JSON.stringify(result.content)).toContain(credential.id);
      const error = ofType(failed, 'session.error')[0]!;
      // retrying, not terminal: the turn goes on without the server (the model answered the failed call).
      expect(error.error).toMatchObject({ type: 'mcp_authentication_failed_error', mcp_server_name: 'calc', retry_status: { type: 'retrying' } });
      expect(error.error.message).toContain(credential.id);
      expect(failed.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
      expect(typesOf(failed).indexOf('session.error')).toBeLessThan(typesOf(failed).lastIndexOf('span.model_request_start'));
    } finally {
      await oauth.close();
    }
  });

  it('reports tool errors, JSON-RPC errors and a server that went down as is_error results; the session goes on', async () => {
    const doomed = await startMcpServer({ tokens: [BEARER] });
    const { vault } = await vaultWith({ type: 'static_bearer', token: BEARER, mcp_server_url: doomed.url });
    const session = await mcpSession({ url: doomed.url, policy: 'always_allow', vaultIds: [vault.id] });
    fake.enqueue(
      toolUse('toolu_e1', 'mcp__calc__explode', {}),
      toolUse('toolu_e2', 'mcp__calc__rpc_error', {}),
      reply('both failed'),
    );
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'try'));
    const results = ofType(events, 'agent.mcp_tool_result');
    expect(results.map((r) => r.is_error)).toEqual([true, true]);
    expect(JSON.stringify(results[0]!.content)).toContain('the tool exploded');
    expect(JSON.stringify(results[1]!.content)).toContain('database offline');

    await doomed.close();
    fake.enqueue(toolUse('toolu_e3', 'mcp__calc__echo', { text: 'anyone?' }), reply('the server is down'));
    const down = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'echo'));
    const [gone] = ofType(down, 'agent.mcp_tool_result');
    expect(gone).toMatchObject({ is_error: true });
    expect(JSON.stringify(gone!.content)).toMatch(/Calling echo on the MCP server \\"calc\\" failed/);
    expect(down.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
  });

  it('reports a server it cannot list as session.error and offers the model no tools of it', async () => {
    const closed = await startMcpServer();
    const url = closed.url;
    await closed.close();
    const session = await mcpSession({ url, policy: 'always_allow' });
    fake.enqueue(reply('no tools'));
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'hi'));
    expect(ofType(events, 'session.error')[0]!.error).toMatchObject({ type: 'mcp_connection_failed_error', mcp_server_name: 'calc', retry_status: { type: 'retrying' } });
    expect((fake.requests.at(-1)!.body as any).tools ?? []).toEqual([]);
    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
  });

  it('falls back to the HTTP+SSE transport for servers that only speak it', async () => {
    const { vault } = await vaultWith({ type: 'static_bearer', token: BEARER, mcp_server_url: sse.url });
    const session = await mcpSession({ url: sse.url, policy: 'always_allow', vaultIds: [vault.id] });
    fake.enqueue(toolUse('toolu_s1', 'mcp__calc__add', { a: 4, b: 5 }), reply('9'));
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'add'));
    expect(ofType(events, 'agent.mcp_tool_result')[0]).toMatchObject({ is_error: false, content: [{ type: 'text', text: '9' }] });
    expect(sse.calls.at(-1)).toEqual({ tool: 'add', args: { a: 4, b: 5 }, authorization: `Bearer ${BEARER}` });
  });

  it('never sends a call again that a restart cut off mid-flight', async () => {
    const { vault } = await vaultWith({ type: 'static_bearer', token: BEARER, mcp_server_url: mcp.url });
    const session = await mcpSession({ policy: 'always_allow', vaultIds: [vault.id] });
    fake.enqueue(toolUse('toolu_b1', 'mcp__calc__block', {}), reply('it was cut off'));
    const blocked = mcp.blocked();
    const before = mcp.calls.filter((c) => c.tool === 'block').length;
    await sendText(t.client, session.id, 'block');
    await blocked;
    await t.restart();
    mcp.release();
    const events = await waitSettled(t.client, session.id);
    const [result] = ofType(events, 'agent.mcp_tool_result');
    expect(result).toMatchObject({ is_error: true });
    expect(JSON.stringify(result!.content)).toContain('cut off by a server restart');
    expect(mcp.calls.filter((c) => c.tool === 'block').length).toBe(before + 1);
  });

  it('checks vault_ids on create and update', async () => {
    const agent = await createAgent(t.client, { model: 'claude-opus-4-8' });
    const env = await createEnvironment(t.client);
    const create = (vault_ids: string[]) => t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id, vault_ids });
    let err = await failure(create(['vlt_nope']));
    expectEnvelope(err, 400, 'invalid_request_error');
    expect(err.error.error.message).toContain('vault_ids[0]');
    const archived = await t.client.beta.vaults.create({ display_name: 'old' });
    await t.client.beta.vaults.archive(archived.id);
    err = await failure(create([archived.id]));
    expect(err.error.error.message).toMatch(/vault_ids\[0\].*archived/);
    const { vault: envVault } = await vaultWith({
      type: 'environment_variable',
      secret_name: 'API_KEY',
      secret_value: keep(`env-secret-${Math.random().toString(36).slice(2)}`),
      networking: { type: 'unrestricted' },
    });
    // Cloud environments take them (the egress proxy substitutes them: test/sandbox/env-credentials.test.ts).
    expect((await create([envVault.id])).vault_ids).toEqual([envVault.id]);

    const v = await t.client.beta.vaults.create({ display_name: 'ok' });
    const session = await create([]);
    expect((await t.client.beta.sessions.update(session.id, { vault_ids: [v.id] })).vault_ids).toEqual([v.id]);
    expect((await t.client.beta.sessions.retrieve(session.id)).vault_ids).toEqual([v.id]);
    err = await failure(t.client.beta.sessions.update(session.id, { vault_ids: [v.id, v.id] }));
    expect(err.error.error.message).toContain('vault_ids[1]');
  });

  it('validates mcp_oauth credentials against their server (mcpOAuthValidate)', async () => {
    const creds = t.client.beta.vaults.credentials;
    const validate = async (auth: Anthropic.Beta.Vaults.CredentialCreateParams['auth']) => {
      const { vault, credential } = await vaultWith(auth);
      return creds.mcpOAuthValidate(credential.id, { vault_id: vault.id });
    };
    const refresh = (token: string) => ({
      refresh_token: keep(token),
      client_id: 'c',
      token_endpoint: tokens.url,
      token_endpoint_auth: { type: 'client_secret_post' as const, client_secret: keep(`cs-${token}`) },
    });
    const ok = await validate({ type: 'mcp_oauth', mcp_server_url: mcp.url, access_token: BEARER });
    expect(ok).toEqual({
      type: 'vault_credential_validation',
      credential_id: expect.stringMatching(/^vcrd_/),
      vault_id: expect.stringMatching(/^vlt_/),
      has_refresh_token: false,
      status: 'valid',
      mcp_probe: null,
      refresh: null,
      validated_at: expect.any(String),
    });
    const wrong = keep(`wrong-${Math.random().toString(36).slice(2)}`);
    const invalid = await validate({ type: 'mcp_oauth', mcp_server_url: mcp.url, access_token: wrong });
    expect(invalid).toMatchObject({
      status: 'invalid',
      mcp_probe: { method: 'initialize', http_response: { status_code: 401 } },
      refresh: { status: 'no_refresh_token', http_response: null },
    });
    tokens.answer = { access_token: BEARER, expires_in: 3600 };
    const recovered = await validate({ type: 'mcp_oauth', mcp_server_url: mcp.url, access_token: wrong, refresh: refresh(`r1-${Date.now()}`) });
    expect(recovered).toMatchObject({ status: 'valid', has_refresh_token: true, mcp_probe: null, refresh: { status: 'succeeded' } });
    tokens.answer = { status: 400 };
    const refused = await validate({ type: 'mcp_oauth', mcp_server_url: mcp.url, access_token: wrong, refresh: refresh(`r2-${Date.now()}`) });
    expect(refused).toMatchObject({ status: 'invalid', refresh: { status: 'failed', http_response: { status_code: 400 } } });
    expect(refused.refresh!.http_response!.body).toContain('invalid_grant');
    // An endpoint quoting what it was sent: the secrets come back in no spelling (as sent, URL- or form-encoded, base64).
    tokens.answer = { echo: 400 };
    for (const type of ['client_secret_basic', 'client_secret_post'] as const) {
      const rt = keep(`rt+/=${Math.random().toString(36).slice(2)}&x y`);
      const cs = keep(`cs+/=${Math.random().toString(36).slice(2)}&x y`);
      const quoted = await validate({
        type: 'mcp_oauth',
        mcp_server_url: mcp.url,
        access_token: wrong,
        refresh: { refresh_token: rt, client_id: 'cid', token_endpoint: tokens.url, token_endpoint_auth: { type, client_secret: cs } },
      });
      const body = quoted.refresh!.http_response!.body;
      expect(body, type).toContain('[redacted]');
      const sentAuth = tokens.requests.at(-1)!.authorization;
      const forms = (v: string) => [v, encodeURIComponent(v), new URLSearchParams({ v }).toString().slice(2), Buffer.from(v).toString('base64')];
      for (const leaked of [...forms(rt), ...forms(cs), ...(sentAuth ? [sentAuth.slice(6)] : [])]) expect(body, `${type}: ${leaked}`).not.toContain(leaked);
    }
    const closed = await startMcpServer();
    await closed.close();
    expect(await validate({ type: 'mcp_oauth', mcp_server_url: closed.url, access_token: wrong })).toMatchObject({ status: 'unknown', mcp_probe: { method: 'initialize', http_response: null } });
    const { vault, credential } = await vaultWith({ type: 'static_bearer', token: BEARER, mcp_server_url: `${mcp.url}?static` });
    expectEnvelope(await failure(creds.mcpOAuthValidate(credential.id, { vault_id: vault.id })), 400, 'invalid_request_error');
  });

  it('lets no secret out: events, model requests, server log and stored data hold none', async () => {
    expect(secrets.length).toBeGreaterThan(5);
    const sessions = (await t.client.beta.sessions.list({ limit: 100 })).data;
    const events: unknown[] = [];
    for (const s of sessions) events.push(...(await t.client.beta.sessions.events.list(s.id, { limit: 1000 })).data);
    expect(events.length).toBeGreaterThan(20);
    const texts: [string, string][] = [
      ['events', JSON.stringify(events)],
      ['model requests', JSON.stringify(fake.requests.map((r) => r.body))],
      ['server log', logLines.join('\n')],
      ...(await storedTexts(t)),
    ];
    expect(secretsIn(texts, secrets)).toEqual([]);
  });
});

describe('MCP servers on private addresses', () => {
  const fake = useFakeAnthropic();
  const t = useServer('sqlite', () => ({ model: fake }));
  let mcp: TestMcpServer;
  beforeAll(async () => {
    mcp = await startMcpServer();
  });
  afterAll(async () => mcp?.close());

  it('are refused unless AGENTD_MCP_ALLOW_PRIVATE allows them', async () => {
    const agent = await createAgent(t.client, {
      model: 'claude-opus-4-8',
      mcp_servers: [{ type: 'url', name: 'local', url: mcp.url }],
      tools: [{ type: 'mcp_toolset', mcp_server_name: 'local' }],
    });
    const env = await createEnvironment(t.client);
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    fake.enqueue(reply('no tools'));
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'hi'));
    const error = ofType(events, 'session.error')[0]!;
    expect(error.error).toMatchObject({ type: 'mcp_connection_failed_error', mcp_server_name: 'local' });
    expect(error.error.message).toContain('AGENTD_MCP_ALLOW_PRIVATE');
    expect(mcp.authorizations).toEqual([]); // nothing reached the server
  });
});

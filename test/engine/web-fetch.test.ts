// agentd's own web_fetch through the official SDK: a real HTTP server on 127.0.0.1 serves the page;
// the scripted model calls web_fetch. Reached when the operator allows private addresses and the
// environment's networking permits the host; refused (and never requested) otherwise. These servers set
// AGENTD_WEB_FETCH=agentd: on the anthropic provider web_fetch is otherwise its server tool (web-tools.test.ts).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { createAgent } from '../helpers/fixtures.js';
import { runToolTurn } from '../helpers/tool-turn.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';

const PAGE = '<html><head><title>T</title><script>var secret = 1;</script></head><body><h1>Hello page</h1><p>Readable <b>body</b> text.</p></body></html>';

function usePageServer() {
  const hits: string[] = [];
  let server: http.Server;
  let url = '';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/redirect') {
        res.writeHead(302, { location: '/page' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  return { hits, url: () => url };
}

async function webSession(client: Anthropic, networking?: Record<string, unknown>, webFetchConfig?: Record<string, unknown>) {
  const toolset = { type: 'agent_toolset_20260401', ...(webFetchConfig ? { configs: [{ name: 'web_fetch', ...webFetchConfig }] } : {}) };
  const agent = await createAgent(client, { model: 'claude-sonnet-4-6', tools: [toolset as never] });
  const env = await client.beta.environments.create({ name: `web-${Math.random()}`, config: { type: 'cloud', ...(networking ? { networking } : {}) } as never });
  return client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
}

describe.each(dialects())('web_fetch with private addresses allowed by the operator (%s)', (dialect) => {
  const page = usePageServer();
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake, env: { AGENTD_WEB_FETCH_ALLOW_PRIVATE: 'on', AGENTD_WEB_FETCH: 'agentd' } }));

  it('fetches the page, reduced to readable text, following a redirect', async () => {
    const session = await webSession(t.client);
    const [result] = await runToolTurn(t, fake, session.id, [{ name: 'web_fetch', input: { url: `${page.url()}/redirect` } }]);
    expect(result!.isError).toBe(false);
    expect(result!.text).toContain(`URL: ${page.url()}/page`);
    expect(result!.text).toContain('Status: 200');
    expect(result!.text).toMatch(/HELLO PAGE|Hello page/);
    expect(result!.text).toContain('Readable body text.');
    expect(result!.text).not.toContain('<h1>');
    expect(result!.text).not.toContain('var secret');
    expect(page.hits).toEqual(['/redirect', '/page']);
  });

  it('refuses a host the environment networking does not allow, without requesting it', async () => {
    const before = page.hits.length;
    const session = await webSession(t.client, { type: 'limited', allowed_hosts: ['example.com'] });
    const [result] = await runToolTurn(t, fake, session.id, [{ name: 'web_fetch', input: { url: `${page.url()}/page` } }]);
    expect(result).toMatchObject({ isError: true, text: expect.stringContaining("not allowed by the environment's networking") });
    expect(page.hits.length).toBe(before);
    // Allowed by name, it is reached.
    const allowed = await webSession(t.client, { type: 'limited', allowed_hosts: ['127.0.0.1'] });
    const [ok] = await runToolTurn(t, fake, allowed.id, [{ name: 'web_fetch', input: { url: `${page.url()}/page` } }]);
    expect(ok!.isError).toBe(false);
  });

  it("acts on the tool's blocked_domains, allowed_domains and max_content_tokens; refuses url_sources at create", async () => {
    const before = page.hits.length;
    const blocked = await webSession(t.client, undefined, { blocked_domains: ['127.0.0.1'] });
    const [b] = await runToolTurn(t, fake, blocked.id, [{ name: 'web_fetch', input: { url: `${page.url()}/page` } }]);
    expect(b).toMatchObject({ isError: true, text: expect.stringContaining('blocked_domains') });
    const elsewhere = await webSession(t.client, undefined, { allowed_domains: ['example.com'] });
    const [a] = await runToolTurn(t, fake, elsewhere.id, [{ name: 'web_fetch', input: { url: `${page.url()}/page` } }]);
    expect(a).toMatchObject({ isError: true, text: expect.stringContaining('allowed_domains') });
    expect(page.hits.length).toBe(before);
    const short = await webSession(t.client, undefined, { max_content_tokens: 2 });
    const [c] = await runToolTurn(t, fake, short.id, [{ name: 'web_fetch', input: { url: `${page.url()}/page` } }]);
    expect(c!.text).toContain('(text cut at 8 characters)');
    expect(c!.text).not.toContain('Readable body text.');

    const err = await t.client.beta.agents
      .create({ name: 'x', model: 'claude-sonnet-4-6', tools: [{ type: 'agent_toolset_20260401', configs: [{ name: 'web_fetch', url_sources: { user_input: 'none' } }] }] })
      .catch((e: unknown) => e as { status: number; error: { error: { message: string } } });
    expect(err).toMatchObject({ status: 400 });
    expect((err as { error: { error: { message: string } } }).error.error.message).toMatch(/^tools\[0\]\.configs\[0\]\.url_sources: /);
  });

  it('refuses other schemes and bad URLs as error results', async () => {
    const session = await webSession(t.client);
    const results = await runToolTurn(t, fake, session.id, [
      { name: 'web_fetch', input: { url: 'file:///etc/passwd' } },
      { name: 'web_fetch', input: { url: 'not a url' } },
    ]);
    expect(results.map((r) => r.isError)).toEqual([true, true]);
    expect(results[0]!.text).toContain('only http and https');
  });
});

describe.each(dialects())('web_fetch by default (%s)', (dialect) => {
  const page = usePageServer();
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake, env: { AGENTD_WEB_FETCH: 'agentd' } }));

  it('never reaches loopback, by address or by a name that resolves to it, nor through a redirect', async () => {
    const session = await webSession(t.client);
    const port = new URL(page.url()).port;
    const results = await runToolTurn(t, fake, session.id, [
      { name: 'web_fetch', input: { url: `${page.url()}/page` } },
      { name: 'web_fetch', input: { url: `http://localhost:${port}/page` } },
      { name: 'web_fetch', input: { url: `http://[::ffff:127.0.0.1]:${port}/page` } },
    ]);
    expect(results.map((r) => r.isError)).toEqual([true, true, true]);
    for (const r of results) expect(r.text).toMatch(/private or local address/);
    expect(page.hits).toEqual([]);
  });
});

// A session's runner keeps its environment between turns (one read per hold of the lease, not per turn): an edit
// reaches it through the 'environment' wake, so the next turn acts on the new settings.
describe.each(dialects())('web_fetch after the environment is edited between turns (%s)', (dialect) => {
  const page = usePageServer();
  const fake = useFakeAnthropic();
  // The runner lingers (and keeps what it read) for far longer than the test takes.
  const t = useServer(dialect, () => ({
    model: fake,
    env: { AGENTD_WEB_FETCH_ALLOW_PRIVATE: 'on', AGENTD_WEB_FETCH: 'agentd', AGENTD_SESSION_LINGER_MS: '60000' },
  }));

  it("the next turn uses the edited networking, though the session's runner stayed warm", async () => {
    const session = await webSession(t.client, { type: 'limited', allowed_hosts: ['example.com'] });
    const url = `${page.url()}/page`;
    const [refused] = await runToolTurn(t, fake, session.id, [{ name: 'web_fetch', input: { url } }]);
    expect(refused).toMatchObject({ isError: true, text: expect.stringContaining("not allowed by the environment's networking") });
    await t.client.beta.environments.update(session.environment_id, { config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: ['127.0.0.1'] } } as never });
    const before = page.hits.length;
    const [fetched] = await runToolTurn(t, fake, session.id, [{ name: 'web_fetch', input: { url } }]);
    expect(fetched!.isError).toBe(false);
    expect(page.hits.length).toBe(before + 1);
  });
});

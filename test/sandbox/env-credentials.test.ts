// Environment-variable credentials in real bubblewrap sandboxes: the variable holds a placeholder,
// and agentd's egress proxy puts the secret into requests (headers and body, as the credential's
// injection_location says) only for the credential's hosts, opening HTTPS with its own CA that
// only the sandbox trusts. A loopback HTTPS server (its own test CA, given to the proxy as the
// operator's AGENTD_EGRESS_EXTRA_CA_FILE) records what arrives. All traffic stays on 127.0.0.0/8.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { expectEnvelope, failure } from '../helpers/errors.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { bash, runTools } from '../helpers/sandbox.js';
import { secretsIn, storedTexts } from '../helpers/secret-scan.js';
import { startUpstream, type Upstream } from '../helpers/tls-upstream.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';

const CREDITED = '127.0.0.2';
const OTHER = '127.0.0.3';
const newSecret = (what: string) => `sk-${what}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;

describe.each(dialects())('environment-variable credentials in the sandbox (%s)', { timeout: 300_000 }, (dialect) => {
  let upstream: Upstream;
  beforeAll(async () => {
    upstream = await startUpstream([CREDITED, OTHER]);
  }, 60_000);
  afterAll(async () => upstream?.close());
  const fake = useFakeAnthropic();
  const logLines: string[] = [];
  const t = useServer(dialect, () => ({
    model: fake,
    logSink: (line) => logLines.push(line),
    env: { AGENTD_SANDBOX_ALLOWED_NETWORKS: `${CREDITED}/32,${OTHER}/32`, AGENTD_EGRESS_EXTRA_CA_FILE: upstream.caFile },
  }));
  const secrets: string[] = [];
  const placeholders: string[] = [];

  async function sessionWithCredential(networking: 'limited' | 'unrestricted', injection: { header: boolean; body: boolean }) {
    const vault = await t.client.beta.vaults.create({ display_name: 'api' });
    const value = newSecret('first');
    secrets.push(value);
    const credential = await t.client.beta.vaults.credentials.create(vault.id, {
      auth: {
        type: 'environment_variable',
        secret_name: 'API_TOKEN',
        secret_value: value,
        networking: { type: 'limited', allowed_hosts: [CREDITED] },
        injection_location: injection,
      },
    });
    const agent = await createAgent(t.client, { tools: [{ type: 'agent_toolset_20260401' }] });
    const env = await createEnvironment(t.client, {
      config: { type: 'cloud', networking: networking === 'limited' ? { type: 'limited', allowed_hosts: [CREDITED, OTHER] } : { type: 'unrestricted' } },
    });
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id, vault_ids: [vault.id] });
    return { vault, credential, session, value };
  }

  const https = (host: string, extra = '') =>
    `curl -sS -m 30 -w ' status=%{http_code}' ${extra} -H "Authorization: Bearer $API_TOKEN" https://${host}:${upstream.ports[host]!.https}/v1/thing`;

  it('limited: curl sends the placeholder; the credited host gets the secret in header and body, another host the placeholder', async () => {
    const { vault, credential, session, value } = await sessionWithCredential('limited', { header: true, body: true });
    const start = upstream.seen.length;
    const [env, credited, bodyPost, plainHttp, other, dump] = await runTools(t, fake, session.id, [
      bash('echo "$API_TOKEN"; env | grep -E "^(API_TOKEN|SSL_CERT_FILE|NODE_EXTRA_CA_CERTS|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|GIT_SSL_CAINFO)=" | sort'),
      bash(https(CREDITED)),
      bash(`curl -sS -m 30 -w ' status=%{http_code}' --data-binary "token=$API_TOKEN&x=1" https://${CREDITED}:${upstream.ports[CREDITED]!.https}/form`),
      bash(`curl -sS -m 30 -w ' status=%{http_code}' -H "X-Api-Key: $API_TOKEN" http://${CREDITED}:${upstream.ports[CREDITED]!.http}/plain`),
      // The other host's certificate is not the egress CA's (its tunnel is not opened): -k stands for its own trust.
      bash(https(OTHER, '-k')),
      // What the sandbox can see, copied into the workspace, which the secret scan below reads.
      // Every process's environment and command line (the tool host's included), the runtime mounts, /tmp.
      bash(
        '{ env; for f in /proc/[0-9]*/environ /proc/[0-9]*/cmdline; do tr "\\0" "\\n" < "$f"; echo; done; ls -laR /run/agentd /tmp; ' +
          'tail -n 3 /run/agentd/ca-certificates.crt; cat /etc/passwd /etc/hosts; } > /workspace/sandbox-view.txt 2>&1; wc -l < /workspace/sandbox-view.txt',
      ),
    ]);
    const placeholder = env!.text.split('\n')[0]!.trim();
    placeholders.push(placeholder);
    expect(placeholder).toMatch(/^agentd_placeholder_[0-9a-f]{40}$/);
    expect(env!.text).toContain(`API_TOKEN=${placeholder}`);
    for (const v of ['SSL_CERT_FILE', 'NODE_EXTRA_CA_CERTS', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO']) {
      expect(env!.text).toContain(`${v}=/run/agentd/ca-certificates.crt`);
    }
    expect(credited).toEqual({ isError: false, text: `received by https://${CREDITED}\n status=200` });
    expect(bodyPost!.text).toContain('status=200');
    expect(plainHttp).toEqual({ isError: false, text: `received by http://${CREDITED}\n status=200` });
    expect(other).toEqual({ isError: false, text: `received by https://${OTHER}\n status=200` });
    expect(Number(dump!.text.trim())).toBeGreaterThan(5);

    const seen = upstream.seen.slice(start);
    const at = (url: string, host = CREDITED) => seen.find((s) => s.url === url && s.host === host)!;
    expect(at('/v1/thing').headers.authorization).toBe(`Bearer ${value}`);
    expect(at('/form').body).toBe(`token=${value}&x=1`);
    expect(at('/form').headers['content-length']).toBe(String(Buffer.byteLength(`token=${value}&x=1`)));
    expect(at('/plain').headers['x-api-key']).toBe(value);
    expect(at('/v1/thing', OTHER).headers.authorization).toBe(`Bearer ${placeholder}`);

    // Rotation counts from the next request, in the same running sandbox.
    const rotated = newSecret('rotated');
    secrets.push(rotated);
    await t.client.beta.vaults.credentials.update(credential.id, { vault_id: vault.id, auth: { type: 'environment_variable', secret_value: rotated } });
    const [again] = await runTools(t, fake, session.id, [bash(https(CREDITED))]);
    expect(again!.text).toContain('status=200');
    expect(upstream.seen.at(-1)!.headers.authorization).toBe(`Bearer ${rotated}`);

    // Header-only: a credential without body injection leaves bodies alone.
    await t.client.beta.vaults.credentials.update(credential.id, {
      vault_id: vault.id,
      auth: { type: 'environment_variable', injection_location: { body: false } },
    });
    const [post, echo] = await runTools(t, fake, session.id, [
      bash(`curl -sS -m 30 -o /dev/null -w 'status=%{http_code}' -H "A: $API_TOKEN" --data-binary "token=$API_TOKEN" https://${CREDITED}:${upstream.ports[CREDITED]!.https}/header-only`),
      // A host that reflects the header: the answer reaching the sandbox (and so the tool result) has the placeholder.
      bash(`curl -sS -m 30 -D - -H "Authorization: Bearer $API_TOKEN" https://${CREDITED}:${upstream.ports[CREDITED]!.https}/echo`),
    ]);
    // Compressed too (curl --compressed asks for it; this host compresses whatever it is asked): the proxy asks for
    // an uncompressed answer and decodes one that comes compressed anyway, so there is always something to search.
    const [gzipped] = await runTools(t, fake, session.id, [
      bash(`curl -sS -m 30 --compressed -D - -H "Authorization: Bearer $API_TOKEN" https://${CREDITED}:${upstream.ports[CREDITED]!.https}/echo-gzip`),
    ]);
    expect(gzipped!.text).toContain(`you sent: Bearer ${placeholder}`);
    expect(gzipped!.text.toLowerCase()).toContain('x-accept-encoding: identity');
    expect(gzipped!.text.toLowerCase()).not.toContain('content-encoding');
    expect(echo!.text).toContain(`you sent: Bearer ${placeholder}`);
    expect(echo!.text.toLowerCase()).toContain(`x-echo: bearer ${placeholder}`);
    expect(post!.text).toBe('status=200');
    const last = upstream.seen.findLast((r) => r.url === '/header-only')!;
    expect(last.headers.a).toBe(rotated);
    expect(last.body).toBe(`token=${placeholder}`);

    // The secret is nowhere the sandbox, the API, the events, the model or the logs could show it.
    const view = fs.readFileSync(path.join(t.dataDir, 'workspaces', session.id, 'workspace', 'sandbox-view.txt'), 'utf8');
    expect(view).toContain(placeholder);
    const events = [];
    for await (const e of t.client.beta.sessions.events.list(session.id)) events.push(e);
    const texts: [string, string][] = [
      ...(await storedTexts(t)),
      ['events', JSON.stringify(events)],
      ['model requests', JSON.stringify(fake.requests.map((r) => r.body))],
      ['server log', logLines.join('\n')],
      ['credential', JSON.stringify(await t.client.beta.vaults.credentials.retrieve(credential.id, { vault_id: vault.id }))],
    ];
    expect(secretsIn(texts, secrets)).toEqual([]);
  });

  it('unrestricted: the sandbox gets the proxy for its credentials; curl through it is substituted', async () => {
    const { session, value } = await sessionWithCredential('unrestricted', { header: true, body: false });
    const [proxyEnv, credited] = await runTools(t, fake, session.id, [
      bash('env | grep -c "^HTTPS_PROXY=http://127.0.0.1:3128$"; echo "$API_TOKEN"'),
      bash(https(CREDITED)),
    ]);
    const [count, placeholder] = proxyEnv!.text.trim().split('\n');
    expect(count).toBe('1');
    // Its own placeholder: unique per session and credential.
    expect(placeholder).toMatch(/^agentd_placeholder_[0-9a-f]{40}$/);
    expect(placeholders).not.toContain(placeholder);
    expect(credited).toEqual({ isError: false, text: `received by https://${CREDITED}\n status=200` });
    expect(upstream.seen.at(-1)!.headers.authorization).toBe(`Bearer ${value}`);
  });

  it('the variables follow the session\'s vaults: a changed set restarts the sandbox before the next call', async () => {
    const agent = await createAgent(t.client, { tools: [{ type: 'agent_toolset_20260401' }] });
    const env = await createEnvironment(t.client, { config: { type: 'cloud', networking: { type: 'limited', allowed_hosts: [CREDITED] } } });
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    const show = bash('echo "NEW=${NEW_TOKEN:-unset}"');
    const [before] = await runTools(t, fake, session.id, [show]);
    expect(before!.text.trim()).toBe('NEW=unset');
    const vault = await t.client.beta.vaults.create({ display_name: 'later' });
    const value = newSecret('later');
    secrets.push(value);
    const credential = await t.client.beta.vaults.credentials.create(vault.id, {
      auth: { type: 'environment_variable', secret_name: 'NEW_TOKEN', secret_value: value, networking: { type: 'limited', allowed_hosts: [CREDITED] } },
    });
    await t.client.beta.sessions.update(session.id, { vault_ids: [vault.id] });
    const [added, used] = await runTools(t, fake, session.id, [show, bash(https(CREDITED).replace(/API_TOKEN/g, 'NEW_TOKEN'))]);
    expect(added!.text.trim()).toMatch(/^NEW=agentd_placeholder_[0-9a-f]{40}$/);
    expect(used!.text).toContain('status=200');
    expect(upstream.seen.at(-1)!.headers.authorization).toBe(`Bearer ${value}`);
    await t.client.beta.vaults.credentials.archive(credential.id, { vault_id: vault.id });
    const [removed] = await runTools(t, fake, session.id, [show]);
    expect(removed!.text.trim()).toBe('NEW=unset');
  });

  it('a self_hosted environment cannot use them: 400 naming vault_ids[i]', async () => {
    const vault = await t.client.beta.vaults.create({ display_name: 'x' });
    const value = newSecret('sh');
    secrets.push(value);
    await t.client.beta.vaults.credentials.create(vault.id, {
      auth: { type: 'environment_variable', secret_name: 'K', secret_value: value, networking: { type: 'unrestricted' } },
    });
    const agent = await createAgent(t.client);
    const env = await createEnvironment(t.client, { config: { type: 'self_hosted' } });
    const plain = await t.client.beta.vaults.create({ display_name: 'plain' });
    const err = await failure(t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id, vault_ids: [plain.id, vault.id] }));
    expectEnvelope(err, 400, 'invalid_request_error');
    expect(err.error.error.message).toMatch(/vault_ids\[1\].*environment_variable.*K.*self_hosted/);
    expect(err.error.error.message).not.toContain(value);
  });

  it('a variable name agentd sets in every sandbox is refused: 400 naming vault_ids[i]', async () => {
    const vault = await t.client.beta.vaults.create({ display_name: 'reserved' });
    await t.client.beta.vaults.credentials.create(vault.id, {
      auth: { type: 'environment_variable', secret_name: 'HTTPS_PROXY', secret_value: newSecret('r'), networking: { type: 'unrestricted' } },
    });
    const agent = await createAgent(t.client);
    const env = await createEnvironment(t.client);
    const err = await failure(t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id, vault_ids: [vault.id] }));
    expectEnvelope(err, 400, 'invalid_request_error');
    expect(err.error.error.message).toMatch(/vault_ids\[0\].*HTTPS_PROXY/);
  });
});

describe.each(dialects())('environment-variable credentials without a sandbox (%s)', (dialect) => {
  const t = useServer(dialect, { env: { AGENTD_SANDBOX: 'none' } });

  it('are refused with a 400 naming vault_ids[i]: no egress proxy stands in front of unsandboxed tools', async () => {
    const vault = await t.client.beta.vaults.create({ display_name: 'env' });
    await t.client.beta.vaults.credentials.create(vault.id, {
      auth: { type: 'environment_variable', secret_name: 'API_TOKEN', secret_value: newSecret('none'), networking: { type: 'unrestricted' } },
    });
    const agent = await createAgent(t.client);
    const env = await createEnvironment(t.client);
    const err = await failure(t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id, vault_ids: [vault.id] }));
    expectEnvelope(err, 400, 'invalid_request_error');
    expect(err.error.error.message).toMatch(/vault_ids\[0\].*API_TOKEN.*AGENTD_SANDBOX=none/);
    // A vault without them is fine.
    const plain = await t.client.beta.vaults.create({ display_name: 'plain' });
    expect((await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id, vault_ids: [plain.id] })).vault_ids).toEqual([plain.id]);
  });
});

// The error envelope on every error path (issue 18, item 5): HTTP that Node's parser refuses,
// headers over the size limit, a missing Host, NUL bytes in ids and query values, and malformed
// multipart bodies — each answered with a 4xx in the envelope, after authentication wherever
// there is a request to authenticate, and changing nothing.
import { describe, expect, it } from 'vitest';
import { useServer } from '../helpers/use.js';
import { dialects } from '../helpers/databases.js';
import { TEST_API_KEY } from '../helpers/server.js';
import { sendRaw, type Answer } from '../helpers/raw-http.js';

const KEY = `x-api-key: ${TEST_API_KEY}\r\n`;

function expectEnvelope(a: Answer, status: number, type: string, message?: RegExp): void {
  expect(a.status, a.body).toBe(status);
  expect(a.contentType).toMatch(/^application\/json/);
  const body = JSON.parse(a.body);
  expect(body).toEqual({ type: 'error', error: { type, message: expect.any(String) }, request_id: a.requestId });
  expect(a.requestId).toMatch(/^req_/);
  if (message) expect(body.error.message).toMatch(message);
}

const request = (head: string, body = '') =>
  `${head}\r\nconnection: close\r\n${body === '' ? '' : `content-length: ${Buffer.byteLength(body)}\r\n`}\r\n${body}`;

describe.each(dialects())('errors outside the routes answer in the envelope (%s)', (dialect) => {
  const t = useServer(dialect);
  const send = (bytes: string) => sendRaw(new URL(t.url), bytes);

  it('malformed HTTP: 400 in the envelope, from the parser, before any route', async () => {
    for (const bad of [
      'GET /v1/agents HTTP/1.1\r\nHost x\r\n\r\n', // a header line without a colon
      '\u0001\u0002 nonsense\r\n\r\n',
      `BREW /v1/agents HTTP/1.1\r\nHost: x\r\n${KEY}\r\n`,
      `POST /v1/agents HTTP/1.1\r\nHost: x\r\n${KEY}Content-Length: abc\r\n\r\n{}`,
      `POST /v1/agents HTTP/1.1\r\nHost: x\r\n${KEY}Transfer-Encoding: chunked\r\n\r\nzz\r\n\r\n`,
    ]) {
      expectEnvelope(await send(bad), 400, 'invalid_request_error', /malformed HTTP/);
    }
  });

  it('headers over the size limit: 431 in the envelope', async () => {
    expectEnvelope(await send(request(`GET /v1/agents HTTP/1.1\r\nHost: x\r\n${KEY}X-Big: ${'a'.repeat(20_000)}`)), 431, 'request_too_large');
    expectEnvelope(await send(request(`GET /v1/agents?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n${KEY.trimEnd()}`)), 431, 'request_too_large');
  });

  it('a missing Host: 401 without a key, then 400 in the envelope', async () => {
    expectEnvelope(await send(request('GET /v1/agents HTTP/1.1')), 401, 'authentication_error');
    expectEnvelope(await send(request(`GET /v1/agents HTTP/1.1\r\n${KEY.trimEnd()}`)), 400, 'invalid_request_error', /Host/);
    // HTTP/1.0 has no Host requirement; the health probe needs none either.
    expect((await send(request(`GET /v1/agents HTTP/1.0\r\n${KEY.trimEnd()}`))).status).toBe(200);
    expect((await send(request('GET /health HTTP/1.1'))).status).toBe(200);
  });

  it('a NUL byte in an id or a query value: 401 without a key, then 400 naming the parameter', async () => {
    expectEnvelope(await send(request('GET /v1/agents/agent_a%00b HTTP/1.1\r\nHost: x')), 401, 'authentication_error');
    expectEnvelope(await send(request(`GET /v1/agents/agent_a%00b HTTP/1.1\r\nHost: x\r\n${KEY.trimEnd()}`)), 400, 'invalid_request_error', /^agent_id: .*NUL/);
    expectEnvelope(await send(request(`GET /v1/sessions?agent_id=a%00 HTTP/1.1\r\nHost: x\r\n${KEY.trimEnd()}`)), 400, 'invalid_request_error', /^agent_id: .*NUL/);
    expectEnvelope(
      await send(request(`DELETE /v1/agents/agent_%00 HTTP/1.1\r\nHost: x\r\n${KEY.trimEnd()}`)),
      400,
      'invalid_request_error',
    );
  });

  it('malformed multipart uploads: 400 in the envelope, and nothing stored', async () => {
    const multipart = (path: string, contentType: string, body: string) =>
      send(request(`POST ${path} HTTP/1.1\r\nHost: x\r\n${KEY}content-type: ${contentType}`, body));
    const part = '--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello\r\n';
    for (const path of ['/v1/files', '/v1/skills']) {
      expectEnvelope(await multipart(path, 'multipart/form-data', `${part}--b--\r\n`), 400, 'invalid_request_error', /multipart/);
      expectEnvelope(await multipart(path, 'multipart/form-data; boundary=', `${part}--b--\r\n`), 400, 'invalid_request_error');
      expectEnvelope(await multipart(path, 'multipart/form-data; boundary=b', part.slice(0, 60)), 400, 'invalid_request_error', /multipart/);
      expectEnvelope(await multipart(path, `multipart/form-data; boundary=${'b'.repeat(300)}`, part), 400, 'invalid_request_error');
    }
    expect((await t.client.beta.files.list()).data).toEqual([]);
    expect((await t.client.beta.skills.list()).data).toEqual([]);
  });

  it('values a database column cannot hold: 400 naming the field, in the envelope, and nothing stored', async () => {
    // PostgreSQL refuses a NUL in text and numbers past 32 bits in integer columns: these were 500s there.
    const json = (method: string, path: string, body: string, extra = '') =>
      send(request(`${method} ${path} HTTP/1.1\r\nHost: x\r\n${KEY}${extra}content-type: application/json`, body));
    expectEnvelope(await json('POST', '/v1/vaults', '{"display_name":"a\\u0000b"}'), 400, 'invalid_request_error', /^display_name: .*NUL/);
    expectEnvelope(await json('POST', '/v1/environments', '{"name":"env","metadata":{"k":"v\\u0000"}}'), 400, 'invalid_request_error', /^metadata\.k: .*NUL/);
    expect((await t.client.beta.vaults.list()).data).toEqual([]);
    expect((await t.client.beta.environments.list()).data).toEqual([]);
    const agent = await t.client.beta.agents.create({ name: 'bounds', model: 'claude-sonnet-4-6' });
    const environment = await t.client.beta.environments.create({ name: 'bounds' });
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    expectEnvelope(await send(request(`GET /v1/agents/${agent.id}?version=2147483648 HTTP/1.1\r\nHost: x\r\n${KEY.trimEnd()}`)), 400, 'invalid_request_error', /^version: must be at most 2147483647/);
    expectEnvelope(await send(request(`GET /v1/sessions?agent_id=${agent.id}&agent_version=99999999999999999999 HTTP/1.1\r\nHost: x\r\n${KEY.trimEnd()}`)), 400, 'invalid_request_error', /^agent_version:/);
    const versioned = JSON.stringify({ agent: { type: 'agent', id: agent.id, version: 2147483648 }, environment_id: environment.id });
    expectEnvelope(await json('POST', '/v1/sessions', versioned), 400, 'invalid_request_error', /^agent/);
    expectEnvelope(
      await send(request(`GET /v1/sessions/${session.id}/events/stream HTTP/1.1\r\nHost: x\r\n${KEY}Last-Event-ID: 2147483648`)),
      400,
      'invalid_request_error',
      /^Last-Event-ID:/,
    );
    // An explicit null is not an empty update.
    expectEnvelope(await json('POST', `/v1/agents/${agent.id}`, 'null'), 400, 'invalid_request_error');
    expect((await t.client.beta.agents.retrieve(agent.id)).version).toBe(agent.version);
    expect((await t.client.beta.sessions.list()).data.map((x) => x.id)).toEqual([session.id]);
    // The gateway passes bodies through, but the fields its ledger stores are checked.
    const gateway = await json('POST', '/v1/messages', '{"model":"claude\\u0000","max_tokens":1,"messages":[]}', 'anthropic-version: 2023-06-01\r\n');
    expectEnvelope(gateway, 400, 'invalid_request_error', /^model: .*NUL/);
  });
});

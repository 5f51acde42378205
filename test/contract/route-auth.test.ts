// Fail-closed authentication: every registered route — enumerated from the router itself, so a
// route added later is covered without editing this file — refuses a request with no key, a wrong
// key and a credential of the wrong kind (or scope), whether the target is in origin-form,
// absolute-form or percent-encoded. Only /health and /health/ready are public, and unmatched paths authenticate
// before their 404.
import http from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { useServer } from '../helpers/use.js';
import { dialects } from '../helpers/databases.js';
import { TEST_API_KEY } from '../helpers/server.js';
import { createEnvironment } from '../helpers/fixtures.js';

interface RawResponse {
  status: number;
  body: string;
  requestId: string | undefined;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

/** One request with the target sent exactly as given (Node's client passes an absolute URL through). */
function send(base: string, method: string, target: string, headers: Record<string, string>): Promise<RawResponse> {
  const u = new URL(base);
  const body = ['POST', 'PATCH', 'PUT'].includes(method) ? '{}' : undefined;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: u.hostname,
        port: Number(u.port),
        method,
        path: target,
        headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (data += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: data, requestId: res.headers['request-id'] as string | undefined }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const fill = (url: string) => url.replace(/:([a-z_]+)/g, (_m, name: string) => `x_${name}`);
/** Every letter of the path percent-encoded (`/v1/...` → `/%76%31/...`). */
const encoded = (path: string) =>
  path.replace(/[A-Za-z0-9]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

const FORMS: Array<[string, (path: string) => string]> = [
  ['origin-form', (p) => p],
  ['absolute-form', (p) => `http://agentd.invalid${p}`],
  ['percent-encoded', encoded],
  ['absolute-form, percent-encoded', (p) => `http://agentd.invalid${encoded(p)}`],
];

/** The OpenAI-compatible endpoint answers in OpenAI's error shape (docs/gateway.md); the rest in ours. */
const OPENAI_SHAPED = '/v1/chat/completions';

function expectRefusal(r: RawResponse, method: string, status: number, type: string, what: string, url = ''): void {
  expect(r.status, what).toBe(status);
  if (method === 'HEAD') return; // no body to read
  if (url === OPENAI_SHAPED) {
    expect(JSON.parse(r.body), what).toEqual({ error: { type, message: expect.any(String), param: null, code: null } });
    return;
  }
  expect(JSON.parse(r.body), what).toEqual({
    type: 'error',
    error: { type, message: expect.any(String) },
    request_id: r.requestId,
  });
}

describe.each(dialects())('fail-closed authentication over every route (%s)', (dialect) => {
  const t = useServer(dialect);
  let environmentKey = '';

  beforeAll(async () => {
    const env = await createEnvironment(t.client, { config: { type: 'self_hosted' } });
    const created = await t.client.post<{ key: string }>(`/v1/environments/${env.id}/keys`, { body: {} });
    environmentKey = created.key;
  });

  it('only /health and /health/ready are public', () => {
    const routes = t.server.app.registeredRoutes;
    expect(routes.length).toBeGreaterThan(100);
    expect(routes.filter((r) => r.config.public).map((r) => `${r.method} ${r.url}`).sort()).toEqual([
      'GET /health',
      'GET /health/ready',
      'HEAD /health',
      'HEAD /health/ready',
    ]);
  });

  it.each(FORMS)('every other route refuses no key, a wrong key and the wrong credential kind (%s)', async (_form, target) => {
    const routes = t.server.app.registeredRoutes.filter((r) => !r.config.public);
    let checked = 0;
    for (const route of routes) {
      const path = target(fill(route.url));
      const what = `${route.method} ${path}`;
      expectRefusal(await send(t.url, route.method, path, {}), route.method, 401, 'authentication_error', `${what} with no key`, route.url);
      expectRefusal(
        await send(t.url, route.method, path, { 'x-api-key': 'sk-agentd-wrong' }),
        route.method,
        401,
        'authentication_error',
        `${what} with a wrong key`,
        route.url,
      );
      expectRefusal(
        await send(t.url, route.method, path, { authorization: 'Bearer sk-agentd-wrong' }),
        route.method,
        401,
        'authentication_error',
        `${what} with a wrong bearer token`,
        route.url,
      );
      // Worker routes refuse an API key; every other route refuses the environment key (by kind, or
      // — on the worker routes that admit it — because it is scoped to another environment/session).
      const wrongKind = route.config.principals?.includes('api_key') === false
        ? { 'x-api-key': TEST_API_KEY }
        : { authorization: `Bearer ${environmentKey}` };
      expectRefusal(await send(t.url, route.method, path, wrongKind), route.method, 403, 'permission_error', `${what} with the wrong credential`, route.url);
      checked++;
    }
    expect(checked).toBe(routes.length);
    // Nothing a refused request reached was created.
    expect((await t.client.beta.agents.list()).data).toEqual([]);
    expect((await t.client.beta.sessions.list()).data).toEqual([]);
  });

  it('an unmatched path authenticates first, then answers 404 in the envelope', async () => {
    for (const [, target] of FORMS) {
      expectRefusal(await send(t.url, 'GET', target('/v1/nothing-here'), {}), 'GET', 401, 'authentication_error', 'no key');
      expectRefusal(await send(t.url, 'GET', target('/nothing-here'), {}), 'GET', 401, 'authentication_error', 'no key');
      expectRefusal(
        await send(t.url, 'GET', target('/v1/nothing-here'), { 'x-api-key': TEST_API_KEY }),
        'GET',
        404,
        'not_found_error',
        'with a key',
      );
    }
    expectRefusal(await send(t.url, 'OPTIONS', '*', {}), 'OPTIONS', 401, 'authentication_error', 'asterisk-form');
  });

  it('a malformed escape or an over-long id authenticates first, then answers in the envelope', async () => {
    const long = `/v1/sessions/sesn_${'a'.repeat(120)}`;
    for (const path of ['/v1/sessions/%zz', '/%zz', long]) {
      expectRefusal(await send(t.url, 'GET', path, {}), 'GET', 401, 'authentication_error', `${path} with no key`);
    }
    const key = { 'x-api-key': TEST_API_KEY };
    expectRefusal(await send(t.url, 'GET', '/v1/sessions/%zz', key), 'GET', 400, 'invalid_request_error', 'bad escape');
    expectRefusal(await send(t.url, 'GET', long, key), 'GET', 404, 'not_found_error', 'over-long id');
  });

  it('normalised targets reach the same route as origin-form ones', async () => {
    for (const [form, target] of FORMS) {
      const r = await send(t.url, 'GET', target('/v1/environments'), { 'x-api-key': TEST_API_KEY });
      expect(r.status, form).toBe(200);
      expect((JSON.parse(r.body) as { data: unknown[] }).data.length, form).toBe(1);
    }
    expect((await send(t.url, 'GET', 'http://agentd.invalid/health', {})).status).toBe(200);
  });
});

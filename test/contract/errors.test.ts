// Every documented error status leaves as {"type":"error","error":{"type","message"},"request_id"},
// with the same request id in the `request-id` header, as the official SDK reads it.
import Anthropic from '@anthropic-ai/sdk';
import type { AgentCreateParams } from '@anthropic-ai/sdk/resources/beta/agents/agents.js';
import { describe, expect, it } from 'vitest';
import { useServer } from '../helpers/use.js';
import { dialects } from '../helpers/databases.js';
import { startTestServer, TEST_API_KEY, type TestServer } from '../helpers/server.js';

type ApiErr = InstanceType<typeof Anthropic.APIError>;

/** Checks the SDK error's status, exact envelope and request id; returns it for further checks. */
async function expectEnvelope(call: Promise<unknown>, status: number, type: string): Promise<ApiErr> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected a ${status} error`).toBeInstanceOf(Anthropic.APIError);
  const e = err as ApiErr;
  expect(e.status).toBe(status);
  expect(e.type).toBe(type);
  expect(e.error).toEqual({
    type: 'error',
    error: { type, message: expect.any(String) },
    request_id: expect.stringMatching(/^req_/),
  });
  const requestId = (e.error as { request_id: string }).request_id;
  expect(e.headers?.get('request-id')).toBe(requestId);
  expect(e.requestID).toBe(requestId);
  expect(e.apiMessage).not.toBe('');
  return e;
}

/** A request outside the SDK, for what the SDK never sends (broken JSON, no credentials). */
async function rawRequest(t: TestServer, path: string, init: RequestInit) {
  const res = await fetch(`${t.url}${path}`, init);
  const body = (await res.json()) as { type: string; error: { type: string; message: string }; request_id: string };
  expect(body).toEqual({
    type: 'error',
    error: { type: expect.any(String), message: expect.any(String) },
    request_id: expect.stringMatching(/^req_/),
  });
  expect(res.headers.get('request-id')).toBe(body.request_id);
  return { status: res.status, headers: res.headers, body };
}

describe.each(dialects())('error envelope (%s)', (dialect) => {
  const t = useServer(dialect);

  it('400: malformed JSON', async () => {
    const r = await rawRequest(t, '/v1/agents', {
      method: 'POST',
      headers: { 'x-api-key': TEST_API_KEY, 'content-type': 'application/json' },
      body: '{"name": "A", "model": ',
    });
    expect(r.status).toBe(400);
    expect(r.body.error.type).toBe('invalid_request_error');
    expect(r.body.error.message).toMatch(/JSON/);
  });

  it('400: a field of the wrong type, named in the message', async () => {
    const params = { name: 42, model: 'claude-sonnet-4-6' } as unknown as AgentCreateParams;
    const e = await expectEnvelope(t.client.beta.agents.create(params), 400, 'invalid_request_error');
    expect(e).toBeInstanceOf(Anthropic.BadRequestError);
    expect(e.apiMessage).toMatch(/^name\b/);
  });

  it('401: no API key at all', async () => {
    const r = await rawRequest(t, '/v1/agents', { method: 'GET' });
    expect(r.status).toBe(401);
    expect(r.body.error.type).toBe('authentication_error');
  });

  it('401: a wrong key, sent as x-api-key or as a bearer token', async () => {
    const viaKey = t.clientWith({ apiKey: 'sk-wrong', authToken: null });
    const e = await expectEnvelope(viaKey.beta.agents.list(), 401, 'authentication_error');
    expect(e).toBeInstanceOf(Anthropic.AuthenticationError);
    const viaBearer = t.clientWith({ apiKey: null, authToken: 'sk-wrong' });
    await expectEnvelope(viaBearer.beta.agents.list(), 401, 'authentication_error');
  });

  it('the right key is accepted as x-api-key and as Authorization: Bearer', async () => {
    await expect(t.clientWith({ apiKey: TEST_API_KEY, authToken: null }).beta.agents.list()).resolves.toBeDefined();
    await expect(t.clientWith({ apiKey: null, authToken: TEST_API_KEY }).beta.agents.list()).resolves.toBeDefined();
  });

  it('403: a workspace the key does not belong to', async () => {
    const e = await expectEnvelope(t.client.beta.agents.list({ workspace_id: 'wrkspc_other' }), 403, 'permission_error');
    expect(e).toBeInstanceOf(Anthropic.PermissionDeniedError);
  });

  it('404: an unknown agent and an unknown route', async () => {
    const e = await expectEnvelope(t.client.beta.agents.retrieve('agent_doesnotexist'), 404, 'not_found_error');
    expect(e).toBeInstanceOf(Anthropic.NotFoundError);
    expect(e.apiMessage).toMatch(/agent_doesnotexist/);
    await expectEnvelope(t.client.get('/v1/no-such-thing'), 404, 'not_found_error');
  });

  it('409: a stale version', async () => {
    const a = await t.client.beta.agents.create({ name: 'A', model: 'claude-sonnet-4-6' });
    await t.client.beta.agents.update(a.id, { version: 1, name: 'B' });
    const e = await expectEnvelope(t.client.beta.agents.update(a.id, { version: 1, name: 'C' }), 409, 'invalid_request_error');
    expect(e).toBeInstanceOf(Anthropic.ConflictError);
  });

  it('413: a JSON body over AGENTD_MAX_BODY_BYTES, creating nothing', async () => {
    const small = await startTestServer(dialect, { env: { AGENTD_MAX_BODY_BYTES: '2048' } });
    try {
      const count = async () => (await small.client.beta.agents.list({ include_archived: true })).data.length;
      await small.client.beta.agents.create({ name: 'fits', model: 'claude-sonnet-4-6' });
      const e = await expectEnvelope(
        small.client.beta.agents.create({ name: 'big', model: 'claude-sonnet-4-6', system: 'x'.repeat(4096) }),
        413,
        'request_too_large',
      );
      expect(e).toBeInstanceOf(Anthropic.ContentTooLargeError);
      expect(await count()).toBe(1);
    } finally {
      await small.close();
    }
  });

  it('429: over AGENTD_RATE_LIMIT_PER_MINUTE, with retry-after; auth and /health come first', async () => {
    const limited = await startTestServer(dialect, {
      env: { AGENTD_API_KEY: `${TEST_API_KEY},sk-second-key`, AGENTD_RATE_LIMIT_PER_MINUTE: '3' },
    });
    try {
      for (let i = 0; i < 3; i++) await limited.client.beta.agents.list();
      const e = await expectEnvelope(limited.client.beta.agents.list(), 429, 'rate_limit_error');
      expect(e).toBeInstanceOf(Anthropic.RateLimitError);
      const retryAfter = Number(e.headers?.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // The quota follows the key, however it is presented; another key has its own.
      await expectEnvelope(limited.clientWith({ apiKey: null, authToken: TEST_API_KEY }).beta.agents.list(), 429, 'rate_limit_error');
      await expect(limited.clientWith({ apiKey: 'sk-second-key', authToken: null }).beta.agents.list()).resolves.toBeDefined();
      // A caller without a valid key learns that first; probes are never limited.
      await expectEnvelope(limited.clientWith({ apiKey: 'sk-wrong', authToken: null }).beta.agents.list(), 401, 'authentication_error');
      expect((await fetch(`${limited.url}/health`)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('no rate limit unless AGENTD_RATE_LIMIT_PER_MINUTE is set', async () => {
    const results = await Promise.all(Array.from({ length: 30 }, () => t.client.beta.agents.list({ limit: 1 })));
    expect(results).toHaveLength(30);
  });

  it('500: an internal failure is an api_error that leaks nothing', async () => {
    const broken = await startTestServer(dialect);
    try {
      await broken.client.beta.agents.create({ name: 'before', model: 'claude-sonnet-4-6' });
      await broken.server.store.close(); // the database goes away under a running server
      const e = await expectEnvelope(broken.client.beta.agents.list(), 500, 'api_error');
      expect(e).toBeInstanceOf(Anthropic.InternalServerError);
      expect(e.apiMessage).toBe('internal server error');
      const raw = JSON.stringify(e.error);
      expect(raw).not.toMatch(/destroy|driver|kysely|sqlite|postgres|pool|Error:|\bat\s/i);
    } finally {
      await broken.close();
    }
  });
});

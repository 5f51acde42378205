// client.beta.organization.telemetryDestinations through the official SDK: the wire shapes, the
// documented rules (write-only headers, defaults, state, refusals), the test span, and the spans of
// turns delivered to destinations (real OTLP/HTTP receivers on loopback) in metadata and content modes.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Anthropic from '@anthropic-ai/sdk';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { sendText, streamWhile } from '../helpers/turns.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';

function useReceivers(n: number): OtlpReceiver[] {
  const receivers: OtlpReceiver[] = [];
  beforeAll(async () => {
    for (let i = 0; i < n; i++) receivers.push(await startOtlpReceiver());
  });
  afterAll(async () => {
    for (const r of receivers) await r.close();
  });
  return receivers;
}

async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const SECRET = 'Bearer dest-secret-value-7f3a';

describe.each(dialects())('telemetry destinations (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const receivers = useReceivers(2);
  const t = useServer(dialect, () => ({ model: fake, env: { AGENTD_SANDBOX: 'none', OTEL_BSP_SCHEDULE_DELAY: '100' } }));
  const destinations = () => t.client.beta.organization.telemetryDestinations;

  it('create / retrieve / update / list / delete, wire-exact; header values are write-only and sealed at rest', async () => {
    const created = await destinations().create({
      endpoint_url: `${receivers[0]!.url}/otlp`,
      workspaces: { type: 'all' },
      headers: { authorization: SECRET },
    });
    expect(created).toEqual({
      id: expect.stringMatching(/^tdst_/),
      type: 'telemetry_destination',
      display_name: null,
      endpoint_url: `${receivers[0]!.url}/otlp`,
      header_names: ['authorization'],
      state: { type: 'enabled' },
      traces: { enabled: true, content_mode: 'metadata_only', endpoint_url: null, max_content_bytes: null },
      workspaces: { type: 'all' },
      delivery_health: { last_error: null, last_error_at: null, last_success_at: null },
      created_at: expect.any(String),
      updated_at: created.created_at,
    });
    expect(await destinations().retrieve(created.id)).toEqual(created);
    const stored = await t.server.store.telemetryDestinations.get(created.id);
    expect(stored?.sealedHeaders).toMatch(/^agentd-sealed:v1:/);
    expect(JSON.stringify(stored)).not.toContain('dest-secret-value');

    const renamed = await destinations().update(created.id, { display_name: 'collector', state: { type: 'disabled' } });
    expect(renamed).toMatchObject({ display_name: 'collector', state: { type: 'disabled', reason: { type: 'caller' } }, header_names: ['authorization'] });
    expect(renamed.updated_at > created.updated_at).toBe(true);
    const enabled = await destinations().update(created.id, {
      state: { type: 'enabled' },
      traces: { content_mode: 'content', max_content_bytes: 100 },
      endpoint_url: `${receivers[0]!.url}/otlp`,
      headers: { 'x-extra': 'one', authorization: null },
    });
    expect(enabled).toMatchObject({ state: { type: 'enabled' }, traces: { content_mode: 'content', max_content_bytes: 100, enabled: true }, header_names: ['x-extra'] });
    const reset = await destinations().update(created.id, { traces: null });
    expect(reset.traces).toEqual({ enabled: true, content_mode: 'metadata_only', endpoint_url: null, max_content_bytes: null });

    const listed = [];
    for await (const d of destinations().list({ limit: 1 })) listed.push(d.id);
    expect(listed).toContain(created.id);
    expect((await destinations().list({ workspace_ids: ['wrkspc_unknown'] })).data).toEqual([]);

    expect(await destinations().delete(created.id)).toEqual({ id: created.id, type: 'telemetry_destination_deleted' });
    await expect(destinations().retrieve(created.id)).rejects.toMatchObject({ status: 404 });
    await expect(destinations().delete(created.id)).rejects.toMatchObject({ status: 404 });
  });

  it('refuses what the rules refuse, with a 400 naming the field', async () => {
    const bad = async (params: Parameters<ReturnType<typeof destinations>['create']>[0], field: string) => {
      const err = await destinations().create(params).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.BadRequestError);
      expect((err as InstanceType<typeof Anthropic.BadRequestError>).message).toContain(field);
    };
    const url = receivers[0]!.url;
    await bad({ endpoint_url: 'ftp://collector.example', workspaces: { type: 'all' } }, 'endpoint_url');
    await bad({ endpoint_url: `${url}/?q=1`, workspaces: { type: 'all' } }, 'endpoint_url');
    await bad({ endpoint_url: url, workspaces: { type: 'include', workspace_ids: ['wrkspc_x'] } }, 'workspaces.type');
    await bad({ endpoint_url: url, workspaces: { type: 'all' }, headers: { 'Content-Type': 'x' } }, 'headers.Content-Type');
    await bad({ endpoint_url: url, workspaces: { type: 'all' }, headers: { x_forwarded_for: 'x' } }, 'headers.x_forwarded_for');
    await bad({ endpoint_url: url, workspaces: { type: 'all' }, headers: { a: 'x', A: 'y' } }, 'headers');
    await bad({ endpoint_url: url, workspaces: { type: 'all' }, traces: { max_content_bytes: 10 * 1024 * 1024 } }, 'traces.max_content_bytes');
    await bad({ endpoint_url: url, workspaces: { type: 'all' }, traces: { endpoint_url: 'http://elsewhere.example/v1/traces' } }, 'traces.endpoint_url');
    const d = await destinations().create({ endpoint_url: url, workspaces: { type: 'all' } });
    const err = await destinations().update(d.id, { headers: { authorization: 'x' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, message: expect.stringContaining('endpoint_url') });
    await expect(destinations().update(d.id, {})).rejects.toMatchObject({ status: 400 });
    await destinations().delete(d.id);
  });

  it('test sends one anthropic.test span with the headers and reports the answer', async () => {
    const r = receivers[1]!;
    const d = await destinations().create({ endpoint_url: r.url, workspaces: { type: 'all' }, headers: { authorization: SECRET }, traces: { enabled: false } });
    expect(await destinations().test(d.id)).toEqual({ type: 'telemetry_destination_test', result: { type: 'success' } });
    const span = await r.waitFor((s) => s.name === 'anthropic.test');
    const delivery = r.exports.find((e) => e.spans.includes(span))!;
    expect(delivery).toMatchObject({ path: '/v1/traces', headers: { authorization: SECRET } });
    r.status = 503;
    try {
      expect(await destinations().test(d.id)).toEqual({ type: 'telemetry_destination_test', result: { type: 'failure', error: 'HTTP error (status 503)' } });
    } finally {
      r.status = 200;
    }
    const down = await destinations().create({ endpoint_url: `http://127.0.0.1:${await closedPort()}`, workspaces: { type: 'all' } });
    expect(await destinations().test(down.id)).toEqual({ type: 'telemetry_destination_test', result: { type: 'failure', error: 'connection failure' } });
    // A test changes nothing of the destination.
    expect(await destinations().retrieve(d.id)).toEqual(d);
    await destinations().delete(d.id);
    await destinations().delete(down.id);
  });

  it('turns’ spans reach every enabled destination: metadata only, or content capped at max_content_bytes; health is recorded', async () => {
    const [meta, content] = receivers as [OtlpReceiver, OtlpReceiver];
    const metaDest = await destinations().create({ endpoint_url: `${meta.url}/base`, workspaces: { type: 'all' }, headers: { authorization: SECRET } });
    const contentDest = await destinations().create({
      endpoint_url: content.url,
      workspaces: { type: 'all' },
      traces: { content_mode: 'content', max_content_bytes: 64, endpoint_url: `${content.url}/custom/traces` },
    });
    const disabled = await destinations().create({ endpoint_url: `http://127.0.0.1:${await closedPort()}`, workspaces: { type: 'all' } });
    await destinations().update(disabled.id, { state: { type: 'disabled' } });

    const agent = await createAgent(t.client, { name: 'Exported', tools: [{ type: 'agent_toolset_20260401' }] });
    const env = await createEnvironment(t.client);
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    fake.enqueue(
      { content: [{ type: 'tool_use', name: 'write', input: { file_path: '/workspace/a.txt', content: 'x'.repeat(500) } }] },
      { content: [{ type: 'text', text: 'Done.' }] },
    );
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'a prompt that is longer than sixty-four bytes, to be cut'), undefined, 30_000);
    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });

    const ofSession = (s: { attributes: Record<string, unknown> }) => s.attributes['gen_ai.conversation.id'] === session.id;
    for (const r of [meta, content]) {
      const turn = await r.waitFor((s) => s.name === 'invoke_agent Exported' && ofSession(s));
      await r.waitFor((s) => s.name.startsWith('execute_tool ') && ofSession(s) && s.parentSpanId === turn.spanId);
      await r.waitFor((s) => s.name.startsWith('chat ') && ofSession(s) && s.parentSpanId === turn.spanId);
    }
    const deliveries = (r: OtlpReceiver) => r.exports.filter((e) => e.spans.some(ofSession));
    for (const e of deliveries(meta)) expect(e).toMatchObject({ path: '/base/v1/traces', headers: { authorization: SECRET } });
    for (const e of deliveries(content)) expect(e.path).toBe('/custom/traces');
    for (const e of deliveries(content)) expect(e.headers['authorization']).toBeUndefined();

    // metadata_only: no content attribute at all.
    for (const s of meta.spans().filter(ofSession)) {
      for (const k of ['gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.system_instructions', 'gen_ai.tool.call.arguments', 'gen_ai.tool.call.result']) {
        expect(s.attributes[k], `${s.name} ${k}`).toBeUndefined();
      }
    }
    // content: prompts, completions and tool payloads, at most 64 bytes per span.
    const contentSpans = content.spans().filter(ofSession);
    const chat = contentSpans.find((s) => s.name.startsWith('chat ') && String(s.attributes['gen_ai.input.messages'] ?? '').includes('a prompt'));
    expect(chat).toBeDefined();
    const tool = contentSpans.find((s) => s.name === 'execute_tool write')!;
    expect(String(tool.attributes['gen_ai.tool.call.arguments'])).toContain('file_path');
    for (const s of contentSpans) {
      const bytes = ['gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.system_instructions', 'gen_ai.tool.call.arguments', 'gen_ai.tool.call.result']
        .map((k) => Buffer.byteLength(String(s.attributes[k] ?? '')))
        .reduce((a, b) => a + b, 0);
      expect(bytes, s.name).toBeLessThanOrEqual(64);
    }

    const health = await until(() => destinations().retrieve(metaDest.id), (d) => d.delivery_health.last_success_at !== null);
    expect(health.delivery_health).toMatchObject({ last_success_at: expect.any(String), last_error: null });
    expect(health.updated_at).toBe(metaDest.updated_at);
    // The disabled destination received nothing and recorded nothing.
    expect((await destinations().retrieve(disabled.id)).delivery_health).toEqual({ last_error: null, last_error_at: null, last_success_at: null });

    // Deleted: the next turn's spans no longer go there.
    await destinations().delete(contentDest.id);
    fake.enqueue({ content: [{ type: 'text', text: 'again' }] });
    await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'again'), undefined, 30_000);
    await meta.waitFor((s) => s.name.startsWith('chat ') && ofSession(s) && s.attributes['gen_ai.usage.output_tokens'] !== undefined && meta.spans().filter((x) => x.name === 'invoke_agent Exported').length >= 2);
    // (Spans queued before the delete are still sent; none of the second turn's are.)
    expect(content.spans().filter((s) => s.name === 'invoke_agent Exported' && ofSession(s))).toHaveLength(1);
    await destinations().delete(metaDest.id);
    await destinations().delete(disabled.id);
  });

  it('a destination that is down changes nothing for the session; delivery_health records the failure', async () => {
    const down = await destinations().create({ endpoint_url: `http://127.0.0.1:${await closedPort()}`, workspaces: { type: 'all' } });
    const agent = await createAgent(t.client, { name: 'Unheard' });
    const env = await createEnvironment(t.client);
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    fake.enqueue({ content: [{ type: 'text', text: 'fine' }] });
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'hi'), undefined, 30_000);
    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    const health = await until(() => destinations().retrieve(down.id), (d) => d.delivery_health.last_error !== null, 60_000);
    expect(health.delivery_health).toMatchObject({ last_error: 'connection failure', last_error_at: expect.any(String), last_success_at: null });
    expect(health.state).toEqual({ type: 'enabled' });
    await destinations().delete(down.id);
  }, 90_000);
});

describe.each(dialects())('telemetry destinations: sustained failure (%s)', (dialect) => {
  const t = useServer(dialect, () => ({ env: { OTEL_BSP_SCHEDULE_DELAY: '50', AGENTD_TELEMETRY_DISABLE_AFTER_SECONDS: '1' } }));

  it('a destination that keeps failing is disabled as sustained_failure; enabling it again keeps its delivery health', async () => {
    const destinations = t.client.beta.organization.telemetryDestinations;
    const down = await destinations.create({ endpoint_url: `http://127.0.0.1:${await closedPort()}`, workspaces: { type: 'all' } });
    // Every API request is a span: polling keeps batches (and failures) coming.
    const disabled = await until(
      () => destinations.retrieve(down.id),
      (d) => d.state.type === 'disabled',
      60_000,
    );
    expect(disabled.state).toEqual({ type: 'disabled', reason: { type: 'sustained_failure' } });
    expect(disabled.delivery_health).toMatchObject({ last_error: 'connection failure', last_success_at: null });
    expect(disabled.updated_at > down.updated_at).toBe(true);
    const enabled = await destinations.update(down.id, { state: { type: 'enabled' } });
    expect(enabled.state).toEqual({ type: 'enabled' });
    expect(enabled.delivery_health.last_error).toBe('connection failure');
    await destinations.update(down.id, { state: { type: 'disabled' } });
    expect((await destinations.retrieve(down.id)).state).toEqual({ type: 'disabled', reason: { type: 'caller' } });
    await destinations.delete(down.id);
  }, 90_000);
});

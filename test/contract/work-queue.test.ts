// The self-hosted work queue through the official SDK (client.beta.environments.work.*): wire
// shapes, the item lifecycle, heartbeat compare-and-set (412), stop (409 once stopped), lease
// reclaim, and what environment keys and session tokens may and may not reach.
import Anthropic from '@anthropic-ai/sdk';
// Without `.js`: the ESM build, whose error classes the client throws.
import { BetaHeartbeatPreconditionFailedError, type BetaSelfHostedWork } from '@anthropic-ai/sdk/resources/beta/environments/work';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { sendText } from '../helpers/turns.js';

type ApiErr = InstanceType<typeof Anthropic.APIError>;

async function failure(call: Promise<unknown>, status: number): Promise<ApiErr> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected a ${status} error`).toBeInstanceOf(Anthropic.APIError);
  expect((err as ApiErr).status).toBe(status);
  expect((err as ApiErr).error).toMatchObject({ type: 'error', error: { type: expect.any(String) }, request_id: expect.stringMatching(/^req_/) });
  return err as ApiErr;
}

const sessionsToken = (secret: string | null): string =>
  (JSON.parse(Buffer.from(secret ?? '', 'base64url').toString('utf8')) as { sessions_token: string }).sessions_token;

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(dialects())('environment work queue (%s)', (dialect) => {
  const work = () => t.client.beta.environments.work;
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake }));

  beforeAll(async () => {
    // Every model turn asks for a built-in tool, so each session waits on a worker.
    fake.setResponder(() => ({ content: [{ type: 'tool_use', name: 'bash', input: { command: 'true' } }] }));
  });

  const createKey = (environmentId: string) =>
    t.client.post<{ type: string; id: string; environment_id: string; key: string; key_hint: string; created_at: string }>(
      `/v1/environments/${environmentId}/keys`,
      { body: {} },
    );
  const asWorker = (key: string) => t.clientWith({ apiKey: null, authToken: key });

  /** A self_hosted environment with a key, and a session whose built-in call waits in its queue. */
  async function offered() {
    const env = await createEnvironment(t.client, { config: { type: 'self_hosted' } });
    const agent = await createAgent(t.client, { tools: [{ type: 'agent_toolset_20260401' }] });
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    const { key } = await createKey(env.id);
    await sendText(t.client, session.id, 'run true');
    const item = await until('the session to be offered', async () => (await work().list(env.id)).data[0]);
    return { env, session, key, item, worker: asWorker(key) };
  }

  it('offers a session that needs tools as one queued item, with the documented shapes and stats', async () => {
    const { env, session, item } = await offered();
    expect(item).toEqual({
      type: 'work',
      id: expect.stringMatching(/^work_/),
      environment_id: env.id,
      data: { type: 'session', id: session.id },
      state: 'queued',
      metadata: {},
      secret: null,
      created_at: expect.any(String),
      acknowledged_at: null,
      started_at: null,
      latest_heartbeat_at: null,
      stop_requested_at: null,
      stopped_at: null,
    });
    expect(await work().retrieve(item.id, { environment_id: env.id })).toEqual(item);
    expect(await work().stats(env.id)).toEqual({
      type: 'work_queue_stats',
      depth: 1,
      pending: 0,
      oldest_queued_at: item.created_at,
      workers_polling: 0,
    });
  });

  it('runs poll → ack → heartbeat → stop, with per-item secrets, metadata updates and 409 once stopped', async () => {
    const { env, session, item, worker } = await offered();
    const polled = (await worker.beta.environments.work.poll(env.id, { block_ms: 10, 'Anthropic-Worker-ID': 'worker-1' }))!;
    expect(polled).toMatchObject({ id: item.id, state: 'queued', data: { type: 'session', id: session.id } });
    expect(sessionsToken(polled.secret)).toMatch(/^sk-agentd-worktok-/);
    // api_base_url: where the worker reached this server (AGENTD_PUBLIC_URL when set).
    expect(JSON.parse(Buffer.from(polled.secret!, 'base64url').toString('utf8'))).toMatchObject({ api_base_url: t.url });
    expect(await work().stats(env.id)).toMatchObject({ depth: 0, pending: 1, workers_polling: 1 });
    expect(await worker.beta.environments.work.poll(env.id, { block_ms: 1 })).toBeNull();

    const acked = await worker.beta.environments.work.ack(item.id, { environment_id: env.id });
    expect(acked).toMatchObject({ state: 'starting', acknowledged_at: expect.any(String), secret: null });
    expect(await work().stats(env.id)).toMatchObject({ depth: 0, pending: 0, oldest_queued_at: null });

    const beat = await worker.beta.environments.work.heartbeat(item.id, { environment_id: env.id, expected_last_heartbeat: 'NO_HEARTBEAT' });
    expect(beat).toEqual({ type: 'work_heartbeat', last_heartbeat: expect.any(String), lease_extended: true, state: 'active', ttl_seconds: 90 });
    const again = await worker.beta.environments.work.heartbeat(item.id, {
      environment_id: env.id,
      expected_last_heartbeat: beat.last_heartbeat,
      desired_ttl_seconds: 30,
    });
    expect(again).toMatchObject({ lease_extended: true, state: 'active', ttl_seconds: 30 });
    expect(await work().retrieve(item.id, { environment_id: env.id })).toMatchObject({
      state: 'active',
      started_at: expect.any(String),
      latest_heartbeat_at: again.last_heartbeat,
      secret: null,
    });

    expect(await work().update(item.id, { environment_id: env.id, metadata: { a: '1', b: '2' } })).toMatchObject({ metadata: { a: '1', b: '2' } });
    expect(await work().update(item.id, { environment_id: env.id, metadata: { a: null } })).toMatchObject({ metadata: { b: '2' } });
    const tooMany = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
    const bad = await failure(work().update(item.id, { environment_id: env.id, metadata: tooMany }), 400);
    expect(bad).toBeInstanceOf(Anthropic.BadRequestError);
    expect(bad.errorCode).toBe('invalid_metadata');

    // Graceful stop: the worker hears it on its next heartbeat, then confirms with a force stop.
    const stopping = await work().stop(item.id, { environment_id: env.id });
    expect(stopping).toMatchObject({ state: 'stopping', stop_requested_at: expect.any(String), stopped_at: null });
    expect(await worker.beta.environments.work.heartbeat(item.id, { environment_id: env.id, expected_last_heartbeat: 'anything' })).toMatchObject({
      state: 'stopping',
    });
    const stopped = await worker.beta.environments.work.stop(item.id, { environment_id: env.id, force: true });
    expect(stopped).toMatchObject({ state: 'stopped', stopped_at: expect.any(String) });
    expect(await worker.beta.environments.work.heartbeat(item.id, { environment_id: env.id })).toMatchObject({
      state: 'stopped',
      lease_extended: false,
    });
    for (let i = 0; i < 2; i++) {
      const err = await failure(work().stop(item.id, { environment_id: env.id, force: i === 1 }), 409);
      expect(err).toBeInstanceOf(Anthropic.ConflictError);
      expect(err.headers?.get('x-should-retry')).toBe('false');
    }

    // The session still waits for its tool: it is offered again at once, never left stuck.
    const items = (await work().list(env.id)).data;
    expect(items.map((w) => w.state)).toEqual(['queued', 'stopped']);
    expect(items[0]).toMatchObject({ data: { id: session.id } });
    expect(items[0]!.id).not.toBe(item.id);
  });

  it('withdraws the item no worker took when the turn ends (an interrupt)', async () => {
    const { env, session, item } = await offered();
    await t.client.beta.sessions.events.send(session.id, { events: [{ type: 'user.interrupt' }] });
    const withdrawn = await until('the unclaimed item to be stopped', async () => {
      const [current] = (await work().list(env.id)).data.filter((w) => w.id === item.id);
      return current?.state === 'stopped' ? current : undefined;
    });
    expect(withdrawn).toMatchObject({ state: 'stopped', stopped_at: expect.any(String) });
    expect((await t.client.beta.sessions.retrieve(session.id)).status).toBe('idle');
  });

  it('refuses a heartbeat whose expected_last_heartbeat is stale with 412 and the server-side lease', async () => {
    const { env, item, worker } = await offered();
    await worker.beta.environments.work.poll(env.id, {});
    await worker.beta.environments.work.ack(item.id, { environment_id: env.id });
    const beat = await worker.beta.environments.work.heartbeat(item.id, { environment_id: env.id, expected_last_heartbeat: 'NO_HEARTBEAT' });

    const err = await failure(
      worker.beta.environments.work.heartbeat(item.id, { environment_id: env.id, expected_last_heartbeat: '2020-01-01T00:00:00.000Z' }),
      412,
    );
    expect(err).toBeInstanceOf(BetaHeartbeatPreconditionFailedError);
    expect(err.errorCode).toBe('heartbeat_precondition_failed');
    expect(err.error).toEqual({
      type: 'error',
      error: {
        type: 'invalid_request_error',
        message: expect.stringContaining('expected_last_heartbeat'),
        details: {
          error_code: 'heartbeat_precondition_failed',
          current_state: { last_heartbeat: beat.last_heartbeat, lease_extended: false, state: 'active', ttl_seconds: 90 },
        },
      },
      request_id: expect.stringMatching(/^req_/),
    });
    // A first heartbeat that is not first any more is refused as well.
    await failure(worker.beta.environments.work.heartbeat(item.id, { environment_id: env.id, expected_last_heartbeat: 'NO_HEARTBEAT' }), 412);
    // The refused beats changed nothing.
    expect(await work().retrieve(item.id, { environment_id: env.id })).toMatchObject({ latest_heartbeat_at: beat.last_heartbeat });
  });

  it('hands a lapsed or unacknowledged item to the next poll; the previous holder loses its lease (412)', async () => {
    const { env, item, worker } = await offered();
    // Handed out but never acknowledged: another poll may take it once it is older than reclaim_older_than_ms.
    const first = (await worker.beta.environments.work.poll(env.id, {}))!;
    expect(await worker.beta.environments.work.poll(env.id, { reclaim_older_than_ms: 60_000 })).toBeNull();
    await new Promise((r) => setTimeout(r, 5));
    const second = (await worker.beta.environments.work.poll(env.id, { reclaim_older_than_ms: 1 }))!;
    expect(second.id).toBe(item.id);
    expect(sessionsToken(second.secret)).not.toBe(sessionsToken(first.secret));

    // The second holder acks and heartbeats with a 1 s lease, then goes silent.
    const holder2 = asWorker(sessionsToken(second.secret));
    await holder2.beta.environments.work.ack(item.id, { environment_id: env.id });
    const beat = await holder2.beta.environments.work.heartbeat(item.id, {
      environment_id: env.id,
      expected_last_heartbeat: 'NO_HEARTBEAT',
      desired_ttl_seconds: 1,
    });
    const third = await until('the lapsed lease to be reclaimed', async () => (await worker.beta.environments.work.poll(env.id, {})) ?? undefined);
    expect(third).toMatchObject({ id: item.id, state: 'queued', acknowledged_at: null, latest_heartbeat_at: null });

    // The old holder's next heartbeat is refused: the lease is someone else's now.
    const err = await failure(
      holder2.beta.environments.work.heartbeat(item.id, { environment_id: env.id, expected_last_heartbeat: beat.last_heartbeat }),
      412,
    );
    expect(err).toBeInstanceOf(BetaHeartbeatPreconditionFailedError);
    // And its token no longer serves the session.
    await failure(holder2.beta.sessions.retrieve(third.data.id), 403);
    // The new holder starts afresh.
    const holder3 = asWorker(sessionsToken(third.secret));
    await holder3.beta.environments.work.ack(item.id, { environment_id: env.id });
    expect(await holder3.beta.environments.work.heartbeat(item.id, { environment_id: env.id, expected_last_heartbeat: 'NO_HEARTBEAT' })).toMatchObject({
      state: 'active',
    });
  });

  it('wakes a waiting long poll when work arrives', async () => {
    const { env, item, worker } = await offered();
    await worker.beta.environments.work.poll(env.id, {});
    await worker.beta.environments.work.ack(item.id, { environment_id: env.id });
    // The queue is empty; stopping the claimed item re-offers its still-waiting session meanwhile.
    const waiting = worker.beta.environments.work.poll(env.id, { block_ms: 999 });
    await new Promise((r) => setTimeout(r, 100));
    await work().stop(item.id, { environment_id: env.id, force: true });
    const woken = await waiting;
    expect(woken).toMatchObject({ state: 'queued', data: { id: item.data.id } });
    expect(woken!.id).not.toBe(item.id);
  });

  it('pages work items with the SDK page cursor', async () => {
    const { env, item, worker } = await offered();
    // Two more items for the same session: stop the open one each time (it is re-offered).
    const ids = [item.id];
    for (let i = 0; i < 2; i++) {
      await work().stop(ids.at(-1)!, { environment_id: env.id, force: true });
      ids.push((await work().list(env.id)).data[0]!.id);
    }
    const seen: string[] = [];
    for await (const w of work().list(env.id, { limit: 2 })) seen.push(w.id);
    expect(seen).toEqual([...ids].reverse());
    const first = await work().list(env.id, { limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.hasNextPage()).toBe(true);
    // The environment key may list its own queue too.
    expect((await worker.beta.environments.work.list(env.id)).data.map((w: BetaSelfHostedWork) => w.id)).toEqual([...ids].reverse());
  });

  it('scopes a session token to its item and session, and to answering tool calls', async () => {
    const { env, session, item, worker } = await offered();
    const polled = (await worker.beta.environments.work.poll(env.id, {}))!;
    const token = asWorker(sessionsToken(polled.secret));
    await token.beta.environments.work.ack(item.id, { environment_id: env.id });
    expect((await token.beta.sessions.retrieve(session.id)).id).toBe(session.id);
    const events = (await token.beta.sessions.events.list(session.id)).data;
    const call = events.find((e) => e.type === 'agent.tool_use')!;
    const other = await offered();

    await failure(token.beta.sessions.retrieve(other.session.id), 403);
    await failure(token.beta.sessions.events.list(other.session.id), 403);
    await failure(token.beta.sessions.list(), 403);
    await failure(token.beta.agents.list(), 403);
    await failure(token.beta.environments.work.poll(env.id, {}), 403);
    await failure(token.beta.environments.work.heartbeat(other.item.id, { environment_id: other.env.id }), 403);
    await failure(token.beta.sessions.events.send(session.id, { events: [{ type: 'user.message', content: [{ type: 'text', text: 'steer' }] }] }), 403);
    // What the worker needs: answer the call.
    const sent = await token.beta.sessions.events.send(session.id, {
      events: [{ type: 'user.tool_result', tool_use_id: call.id, content: [{ type: 'text', text: 'ok' }], is_error: false }],
    });
    expect(sent.data?.[0]).toMatchObject({ type: 'user.tool_result', tool_use_id: call.id });
    // Once its item stops, the token no longer reaches the session, but its stop still reads 409.
    await token.beta.environments.work.stop(item.id, { environment_id: env.id, force: true });
    await failure(token.beta.sessions.retrieve(session.id), 403);
    await failure(token.beta.environments.work.stop(item.id, { environment_id: env.id, force: true }), 409);
  });

  it('accepts an environment key only on its own queue; API keys only off the worker endpoints', async () => {
    const { env, item, key, worker } = await offered();
    const other = await createEnvironment(t.client, { config: { type: 'self_hosted' } });
    // As x-api-key too, like an API key.
    const viaHeader = t.clientWith({ apiKey: key, authToken: null });
    expect(await viaHeader.beta.environments.work.poll(env.id, {})).toMatchObject({ id: item.id });

    await failure(worker.beta.environments.work.poll(other.id, {}), 403);
    await failure(worker.beta.environments.work.list(other.id), 403);
    await failure(worker.beta.environments.work.stats(env.id), 403);
    await failure(worker.beta.environments.work.retrieve(item.id, { environment_id: env.id }), 403);
    await failure(worker.beta.environments.work.update(item.id, { environment_id: env.id, metadata: { a: 'b' } }), 403);
    await failure(worker.beta.environments.retrieve(env.id), 403);
    await failure(worker.beta.sessions.list(), 403);
    // The session an item offers, as the SDK worker's fallback when an item has no usable secret;
    // answers only, and only while the item is open.
    expect((await worker.beta.sessions.retrieve(item.data.id)).id).toBe(item.data.id);
    expect((await worker.beta.sessions.events.list(item.data.id)).data.length).toBeGreaterThan(0);
    await failure(
      worker.beta.sessions.events.send(item.data.id, { events: [{ type: 'user.message', content: [{ type: 'text', text: 'steer' }] }] }),
      403,
    );
    const elsewhere = await offered();
    await failure(worker.beta.sessions.retrieve(elsewhere.session.id), 403);
    await work().stop(item.id, { environment_id: env.id, force: true }); // re-offered: a new open item
    expect((await worker.beta.sessions.retrieve(item.data.id)).id).toBe(item.data.id);
    const idle = await t.client.beta.sessions.create({ agent: (await createAgent(t.client)).id, environment_id: env.id });
    await failure(worker.beta.sessions.retrieve(idle.id), 403);
    await failure(worker.post(`/v1/environments/${env.id}/keys`, { body: {} }), 403);
    // The worker endpoints are not for API keys.
    await failure(work().poll(env.id, {}), 403);
    await failure(work().ack(item.id, { environment_id: env.id }), 403);
    await failure(work().heartbeat(item.id, { environment_id: env.id }), 403);
    // Unknown credentials are 401.
    await failure(asWorker('sk-agentd-envkey-not-a-key').beta.environments.work.poll(env.id, {}), 401);
    await failure(asWorker('sk-agentd-worktok-not-a-token').beta.sessions.retrieve(item.data.id), 401);
  });

  it('creates, lists and revokes environment keys (an agentd extension); keys are for self_hosted environments', async () => {
    const env = await createEnvironment(t.client, { config: { type: 'self_hosted' } });
    const created = await createKey(env.id);
    expect(created).toEqual({
      type: 'environment_key',
      id: expect.stringMatching(/^envkey_/),
      environment_id: env.id,
      key: expect.stringMatching(/^sk-agentd-envkey-/),
      key_hint: created.key.slice(-4),
      created_at: expect.any(String),
    });
    const listed = await t.client.get<{ data: unknown[]; next_page: null }>(`/v1/environments/${env.id}/keys`);
    const { key: _shownOnce, ...withoutKey } = created;
    expect(listed).toEqual({ data: [withoutKey], next_page: null });
    expect(await asWorker(created.key).beta.environments.work.poll(env.id, {})).toBeNull();

    expect(await t.client.delete(`/v1/environments/${env.id}/keys/${created.id}`)).toEqual({ id: created.id, type: 'environment_key_deleted' });
    await failure(asWorker(created.key).beta.environments.work.poll(env.id, {}), 401);
    await failure(t.client.delete(`/v1/environments/${env.id}/keys/${created.id}`), 404);

    const cloud = await createEnvironment(t.client);
    const err = await failure(createKey(cloud.id), 400);
    expect(err.message).toContain('self_hosted');
    await failure(createKey('env_missing'), 404);
  });
});

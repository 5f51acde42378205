// Session cost, active time and budgets through the official SDK, with the scripted model: every
// engine model call becomes a priced usage-ledger row, the session's list_cost is their sum, and a
// budget stops the session at idle `budget_reached` (paused: raising it and sending a message continues).
import { describe, expect, it } from 'vitest';
import { APIError } from '@anthropic-ai/sdk';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { sendText, streamWhile, typesOf } from '../helpers/turns.js';
import { until } from '../helpers/self-hosted.js';
import { DEFAULT_WORKSPACE_ID } from '../../src/store/workspace.js';

// claude-opus-4-8 lists at $5 / $25 per million input / output tokens; cache writes 1.25× (5 m) and
// 2× (1 h) input, cache reads 0.1× input.
const USAGE = {
  input_tokens: 100_000,
  output_tokens: 20_000,
  cache_read_input_tokens: 50_000,
  cache_creation_input_tokens: 40_000,
  cache_creation: { ephemeral_5m_input_tokens: 30_000, ephemeral_1h_input_tokens: 10_000 },
};
// 0.1 M × $5 + 0.02 M × $25 + 0.05 M × $0.50 + 0.03 M × $6.25 + 0.01 M × $10 = $1.3125
const CALL_NANO_USD = 1_312_500_000;

describe.each(dialects())('session cost and budgets (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  // A model with no list price, served through the model map (agent model ids are checked against it).
  // A fast lease sweep: it wakes sessions with queued input, which a budget pause leaves.
  const t = useServer(dialect, () => ({
    model: fake,
    env: { AGENTD_MODEL_MAP: JSON.stringify({ 'claude-private-preview': 'claude-private-preview' }), AGENTD_LEASE_SWEEP_MS: '50' },
  }));

  async function newSession(extra: Record<string, unknown> = {}, model = 'claude-opus-4-8') {
    const agent = await createAgent(t.client, { model });
    const env = await createEnvironment(t.client);
    return t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id, ...extra });
  }

  const ledgerOf = async (sessionId: string) =>
    (await t.server.store.usage.listBySession(DEFAULT_WORKSPACE_ID, sessionId, { limit: 100, order: 'asc' })).items;

  it('list_cost is the price table applied to the scripted usage, and every call is a ledger row', async () => {
    const session = await newSession();
    fake.enqueue({ content: [{ type: 'text', text: 'one' }], usage: USAGE }, { content: [{ type: 'text', text: 'two' }], usage: USAGE });
    await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'first'));
    await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'second'));

    const after = await t.client.beta.sessions.retrieve(session.id);
    // Two calls: $2.625 → 263 cents (a started cent counts).
    expect(after.usage.list_cost).toEqual({ amount: '263', currency: 'USD' });
    expect(after.usage).toMatchObject({
      input_tokens: 200_000,
      output_tokens: 40_000,
      cache_read_input_tokens: 100_000,
      cache_creation: { ephemeral_5m_input_tokens: 60_000, ephemeral_1h_input_tokens: 20_000 },
    });

    const rows = await ledgerOf(session.id);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row).toMatchObject({
        product: 'agents',
        callKind: 'agent_turn',
        model: 'claude-opus-4-8',
        provider: 'anthropic',
        sessionId: session.id,
        agentId: session.agent.id,
        agentVersion: session.agent.version,
        environmentId: session.environment_id,
        inputTokens: 100_000,
        outputTokens: 20_000,
        cacheReadInputTokens: 50_000,
        cacheCreation5mInputTokens: 30_000,
        cacheCreation1hInputTokens: 10_000,
        listCostNanoUsd: CALL_NANO_USD,
        outcome: 'ok',
        stopReason: 'end_turn',
      });
      expect(row.messageId).toMatch(/^msg_/);
    }
  });

  it('a failed call is a ledger row with its error and no cost', async () => {
    const session = await newSession();
    fake.enqueue({ error: { status: 400 } });
    await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'hi'));
    const rows = await ledgerOf(session.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: 'model_request_failed_error', inputTokens: 0, listCostNanoUsd: 0 });
    expect((await t.client.beta.sessions.retrieve(session.id)).usage.list_cost).toEqual({ amount: '0', currency: 'USD' });
  });

  it('active_seconds grows only while running; duration_seconds always', async () => {
    const session = await newSession();
    const fresh = await t.client.beta.sessions.retrieve(session.id);
    expect(fresh.stats.active_seconds).toBe(0);
    expect(fresh.usage.active_seconds).toBe(0);

    fake.enqueue({ content: [{ type: 'text', text: 'a slow answer in several chunks' }], chunkDelayMs: 150 });
    const stream = await t.client.beta.sessions.events.stream(session.id);
    await sendText(t.client, session.id, 'go');
    let running: number | undefined;
    for await (const e of stream) {
      if (e.type === 'span.model_request_start') {
        await new Promise((r) => setTimeout(r, 300));
        running = (await t.client.beta.sessions.retrieve(session.id)).stats.active_seconds;
      }
      if (e.type === 'session.status_idle') break;
    }
    stream.controller.abort();
    // Read while the call was still streaming: the open interval counts.
    expect(running).toBeGreaterThanOrEqual(0.3);

    const idle1 = await t.client.beta.sessions.retrieve(session.id);
    expect(idle1.stats.active_seconds).toBeGreaterThan(running!);
    expect(idle1.usage.active_seconds).toBe(idle1.stats.active_seconds);
    await new Promise((r) => setTimeout(r, 400));
    const idle2 = await t.client.beta.sessions.retrieve(session.id);
    expect(idle2.stats.active_seconds).toBe(idle1.stats.active_seconds);
    expect(idle2.stats.duration_seconds!).toBeGreaterThanOrEqual(idle1.stats.duration_seconds! + 0.35);
    expect(idle2.stats.duration_seconds!).toBeGreaterThanOrEqual(idle2.stats.active_seconds!);
  });

  it('a budget stops the session at budget_reached; raising it and sending a message continues', async () => {
    const budget = { type: 'limit' as const, max_list_cost: { amount: '100', currency: 'USD' as const } };
    const session = await newSession({ budget });
    expect(session.budget).toEqual(budget);

    fake.enqueue({ content: [{ type: 'text', text: 'expensive' }], usage: USAGE });
    const first = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'one'));
    expect(first.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    const calls = fake.requests.length;

    // $1.3125 consumed of a $1.00 budget: the next message does not reach the model.
    const second = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'two'));
    expect(typesOf(second)).toEqual(['user.message', 'session.status_idle']);
    expect(second.at(-1)).toMatchObject({ stop_reason: { type: 'budget_reached' } });
    expect(fake.requests.length).toBe(calls);
    const paused = await t.client.beta.sessions.retrieve(session.id);
    expect(paused.status).toBe('idle');
    expect(paused.usage.list_cost).toEqual({ amount: '132', currency: 'USD' });

    // Lowering to (or below) what was consumed is refused and changes nothing.
    const low = await t.client.beta.sessions
      .update(session.id, { budget: { type: 'limit', max_list_cost: { amount: '131', currency: 'USD' } } })
      .catch((e: unknown) => e);
    expect(low).toBeInstanceOf(APIError);
    expect((low as APIError).status).toBe(400);
    expect(JSON.stringify((low as APIError).error)).toContain('budget_not_raised');
    expect((await t.client.beta.sessions.retrieve(session.id)).budget).toEqual(budget);

    const raised = { type: 'limit' as const, max_list_cost: { amount: '1000', currency: 'USD' as const } };
    expect((await t.client.beta.sessions.update(session.id, { budget: raised })).budget).toEqual(raised);
    // The raise alone starts no turn, though the lease sweep (every 50 ms here) wakes the runner on
    // the queued 'two' (it used to call the model with 'two' alone when a sweep fell in this gap).
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.requests.length).toBe(calls);
    expect((await t.client.beta.sessions.retrieve(session.id)).status).toBe('idle');
    fake.enqueue({ content: [{ type: 'text', text: 'continued' }], usage: USAGE });
    const third = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'three'));
    expect(third.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    // The message queued while paused reaches the model with the new one.
    const texts = JSON.stringify(fake.requests.at(-1)!.body.messages);
    expect(texts).toContain('two');
    expect(texts).toContain('three');
    expect((await t.client.beta.sessions.retrieve(session.id)).usage.list_cost).toEqual({ amount: '263', currency: 'USD' });
  });

  it('a budget stops a turn between model calls (after tool results), not only between turns', async () => {
    const session = await newSession({ budget: { type: 'limit', max_list_cost: { amount: '100', currency: 'USD' } } }, 'claude-opus-4-8');
    const withTool = await t.client.beta.sessions.update(session.id, {
      agent: { tools: [{ type: 'custom', name: 'lookup', description: 'Look it up', input_schema: { type: 'object', properties: {} } }] },
    });
    expect(withTool.agent.tools).toHaveLength(1);
    fake.enqueue({ content: [{ type: 'tool_use', id: 'toolu_b1', name: 'lookup', input: {} }], usage: USAGE });
    const first = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'look'), (e) => e.type === 'session.status_idle');
    const use = first.find((e) => e.type === 'agent.custom_tool_use')!;
    const calls = fake.requests.length;
    const second = await streamWhile(t.client, session.id, () =>
      t.client.beta.sessions.events.send(session.id, {
        events: [{ type: 'user.custom_tool_result', custom_tool_use_id: use.id, content: [{ type: 'text', text: 'found' }] }],
      }),
    );
    expect(second.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'budget_reached' } });
    expect(fake.requests.length).toBe(calls);
  });

  it('a budget raised while a tool runs applies to the same turn (the runner reads the changed session)', async () => {
    const agent = await createAgent(t.client, { model: 'claude-opus-4-8', tools: [{ type: 'agent_toolset_20260401' }] });
    const env = await createEnvironment(t.client);
    const session = await t.client.beta.sessions.create({
      agent: agent.id,
      environment_id: env.id,
      budget: { type: 'limit', max_list_cost: { amount: '100', currency: 'USD' } },
    });
    // The first call spends $1.3125 of $1.00 and asks for a tool: the tool runs, and then the budget would end the turn.
    fake.enqueue(
      { content: [{ type: 'tool_use', id: 'toolu_slow', name: 'bash', input: { command: 'sleep 1.5; echo slept' } }], usage: USAGE },
      { content: [{ type: 'text', text: 'went on' }], usage: USAGE },
    );
    const turn = streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'go'));
    // Raised while the tool runs: after its call is logged, before its result.
    await until('the tool call', async () => ((await t.client.beta.sessions.events.list(session.id)).data.some((e) => e.type === 'agent.tool_use') ? true : undefined));
    await t.client.beta.sessions.update(session.id, { budget: { type: 'limit', max_list_cost: { amount: '1000', currency: 'USD' } } });
    const events = await turn;
    expect(events.find((e) => e.type === 'agent.tool_result')).toBeDefined();
    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    expect(JSON.stringify(events.filter((e) => e.type === 'agent.message'))).toContain('went on');
  });

  it('budget rules: create-only, removal, model_not_budgetable, USD cents', async () => {
    const plain = await newSession();
    const add = await t.client.beta.sessions
      .update(plain.id, { budget: { type: 'limit', max_list_cost: { amount: '500', currency: 'USD' } } })
      .catch((e: unknown) => e);
    expect((add as APIError).status).toBe(400);
    expect(JSON.stringify((add as APIError).error)).toContain('budget_create_only');

    const capped = await newSession({ budget: { type: 'limit', max_list_cost: { amount: '500', currency: 'USD' } } });
    expect((await t.client.beta.sessions.update(capped.id, { budget: null })).budget).toBeNull();
    const readd = await t.client.beta.sessions
      .update(capped.id, { budget: { type: 'limit', max_list_cost: { amount: '900', currency: 'USD' } } })
      .catch((e: unknown) => e);
    expect(JSON.stringify((readd as APIError).error)).toContain('budget_create_only');

    const unpriced = await newSession({}, 'claude-private-preview').catch((e: unknown) => e);
    expect(unpriced).toHaveProperty('id');
    const refused = await newSession({ budget: { type: 'limit', max_list_cost: { amount: '500', currency: 'USD' } } }, 'claude-private-preview').catch(
      (e: unknown) => e,
    );
    expect((refused as APIError).status).toBe(400);
    expect(JSON.stringify((refused as APIError).error)).toContain('model_not_budgetable');

    for (const amount of ['25.00', '0100', '-5', '']) {
      const bad = await newSession({ budget: { type: 'limit', max_list_cost: { amount, currency: 'USD' } } }).catch((e: unknown) => e);
      expect((bad as APIError).status).toBe(400);
    }
    const euro = await newSession({ budget: { type: 'limit', max_list_cost: { amount: '100', currency: 'EUR' } } }).catch((e: unknown) => e);
    expect((euro as APIError).status).toBe(400);
  });
});

// The `session.usage` event through the official SDK, with the scripted model: one snapshot of the
// session's cumulative usage, list cost, active time and budget after each model call that
// completed — on the stream and in the event list alike, and none for a failed call.
import { describe, expect, it } from 'vitest';
import type { BetaManagedAgentsSessionUsageEvent } from '@anthropic-ai/sdk/resources/beta/sessions/sessions.js';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { sendText, streamWhile, typesOf, type StreamEvent } from '../helpers/turns.js';

// claude-opus-4-8 at list price: $1.3125 per call of this usage (see session-cost.test.ts).
const USAGE = {
  input_tokens: 100_000,
  output_tokens: 20_000,
  cache_read_input_tokens: 50_000,
  cache_creation_input_tokens: 40_000,
  cache_creation: { ephemeral_5m_input_tokens: 30_000, ephemeral_1h_input_tokens: 10_000 },
};

const snapshots = (events: readonly { type: string }[]) => events.filter((e): e is BetaManagedAgentsSessionUsageEvent => e.type === 'session.usage');

describe.each(dialects())('the session.usage event (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake }));

  async function newSession(extra: Record<string, unknown> = {}) {
    const agent = await createAgent(t.client, { model: 'claude-opus-4-8' });
    const env = await createEnvironment(t.client);
    return t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id, ...extra });
  }

  it('follows each completed call with the cumulative totals and the budget, streamed and listed alike', async () => {
    const budget = { type: 'limit' as const, max_list_cost: { amount: '1000', currency: 'USD' as const } };
    const session = await newSession({ budget });
    fake.enqueue({ content: [{ type: 'text', text: 'one' }], usage: USAGE }, { content: [{ type: 'text', text: 'two' }], usage: USAGE });
    const first = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'first'));
    const second = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'second'));

    // After the call's span, before the idle that ends the turn.
    expect(typesOf(first).slice(-3)).toEqual(['span.model_request_end', 'session.usage', 'session.status_idle']);
    const [one] = snapshots(first);
    const [two] = snapshots(second);
    expect(snapshots(first)).toHaveLength(1);
    expect(snapshots(second)).toHaveLength(1);
    // Exactly the SDK's shape: these keys and no others.
    expect(one).toEqual({
      id: expect.stringMatching(/^sevt_/),
      type: 'session.usage',
      processed_at: expect.any(String),
      usage: {
        input_tokens: 100_000,
        output_tokens: 20_000,
        cache_read_input_tokens: 50_000,
        cache_creation: { ephemeral_5m_input_tokens: 30_000, ephemeral_1h_input_tokens: 10_000 },
        active_seconds: expect.any(Number),
        // $1.3125 → 132 cents (a started cent counts).
        list_cost: { amount: '132', currency: 'USD' },
      },
      budget,
    });
    expect(two!.usage).toMatchObject({
      input_tokens: 200_000,
      output_tokens: 40_000,
      cache_read_input_tokens: 100_000,
      cache_creation: { ephemeral_5m_input_tokens: 60_000, ephemeral_1h_input_tokens: 20_000 },
      list_cost: { amount: '263', currency: 'USD' },
    });
    // Active time taken while running: it grows from one snapshot to the next, and retrieve (after
    // the idle closed the interval) shows at least as much.
    expect(one!.usage.active_seconds).toBeGreaterThan(0);
    expect(two!.usage.active_seconds).toBeGreaterThan(one!.usage.active_seconds!);
    const after = await t.client.beta.sessions.retrieve(session.id);
    expect(after.usage.active_seconds).toBeGreaterThanOrEqual(two!.usage.active_seconds!);
    expect(after.usage).toMatchObject({ ...two!.usage, active_seconds: expect.any(Number) });

    const listed: StreamEvent[] = [];
    for await (const e of t.client.beta.sessions.events.list(session.id)) listed.push(e as StreamEvent);
    expect(snapshots(listed)).toEqual([one, two]);
  });

  it('a session without a budget says null; a failed call adds no snapshot', async () => {
    const session = await newSession();
    fake.enqueue({ error: { status: 400 } });
    const failed = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'hi'));
    expect(failed.at(-1)).toMatchObject({ type: 'session.status_idle' });
    expect(snapshots(failed)).toEqual([]);

    fake.enqueue({ content: [{ type: 'text', text: 'ok' }], usage: USAGE });
    const ok = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'again'));
    expect(snapshots(ok)).toHaveLength(1);
    expect(snapshots(ok)[0]).toMatchObject({ budget: null, usage: { input_tokens: 100_000, list_cost: { amount: '132', currency: 'USD' } } });
  });
});

// Usage and cost reports through the SDK's analytics resources: grouped by agent, session, model
// and day they add up to the sessions' own usage and cost; paging, filters and refusals.
import { describe, expect, it, beforeAll } from 'vitest';
import type Anthropic from '@anthropic-ai/sdk';
import { APIError } from '@anthropic-ai/sdk';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { sendText, streamWhile } from '../helpers/turns.js';

const HOUR = 3_600_000;
const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');

describe.each(dialects())('usage and cost analytics (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake }));
  const sessions: Anthropic.Beta.Sessions.BetaManagedAgentsSession[] = [];
  let range: { starting_at: string; ending_at: string };

  beforeAll(async () => {
    const env = await createEnvironment(t.client);
    const opus = await createAgent(t.client, { name: 'opus', model: 'claude-opus-4-8' });
    const haiku = await createAgent(t.client, { name: 'haiku', model: 'claude-haiku-4-5' });
    const plan: Array<[string, number]> = [
      [opus.id, 2],
      [opus.id, 1],
      [haiku.id, 3],
    ];
    let n = 0;
    for (const [agent, turns] of plan) {
      const s = await t.client.beta.sessions.create({ agent, environment_id: env.id });
      for (let i = 0; i < turns; i++) {
        n++;
        fake.enqueue({
          content: [{ type: 'text', text: `reply ${n}` }],
          usage: { input_tokens: 1000 * n, output_tokens: 100 * n, cache_read_input_tokens: 10 * n, cache_creation_input_tokens: 50 * n },
        });
        await streamWhile(t.client, s.id, () => sendText(t.client, s.id, `turn ${n}`));
      }
      sessions.push(await t.client.beta.sessions.retrieve(s.id));
    }
    const now = Date.now();
    range = { starting_at: iso(Math.floor(now / HOUR) * HOUR - HOUR), ending_at: iso(Math.floor(now / HOUR) * HOUR + HOUR) };
  });

  const all = async <T>(page: AsyncIterable<T>) => {
    const out: T[] = [];
    for await (const item of page) out.push(item);
    return out;
  };

  it('grouped by session, usage equals each session’s own usage', async () => {
    const rows = await all(t.client.beta.organization.analytics.usage.list({ ...range, group_by: ['session_id'], limit: 1 }));
    expect(rows).toHaveLength(3);
    for (const s of sessions) {
      const row = rows.find((r) => r.group.session_id === s.id)!;
      expect(row.usage).toMatchObject({
        uncached_input_tokens: s.usage.input_tokens,
        output_tokens: s.usage.output_tokens,
        cache_read_input_tokens: s.usage.cache_read_input_tokens,
        cache_creation: s.usage.cache_creation,
      });
      expect(row.group).toMatchObject({ agent_id: null, model: null, actor: null });
      expect(row).toMatchObject(range);
    }
    // Ranked by total tokens, highest first.
    const totals = rows.map((r) => r.usage.total_tokens);
    expect(totals).toEqual([...totals].sort((a, b) => b - a));
  });

  it('grouped by agent and model, and by day, the sums match', async () => {
    const byAgent = (await t.client.beta.organization.analytics.usage.list({ ...range, group_by: ['agent_id', 'model'] })).data;
    expect(byAgent).toHaveLength(2);
    for (const row of byAgent) {
      const mine = sessions.filter((s) => s.agent.id === row.group.agent_id);
      expect(row.group.model).toBe(mine[0]!.agent.model.id);
      expect(row.usage.uncached_input_tokens).toBe(mine.reduce((a, s) => a + s.usage.input_tokens!, 0));
      expect(row.usage.output_tokens).toBe(mine.reduce((a, s) => a + s.usage.output_tokens!, 0));
      expect(row.usage.requests).toBe(row.group.model === 'claude-opus-4-8' ? 3 : 3);
    }
    const byDay = (await t.client.beta.organization.analytics.usage.list({ ...range, time_bucket_width: '1d' })).data;
    const total = sessions.reduce((a, s) => a + s.usage.input_tokens!, 0);
    expect(byDay.reduce((a, r) => a + r.usage.uncached_input_tokens, 0)).toBe(total);
    expect(byDay.reduce((a, r) => a + (r.usage.requests ?? 0), 0)).toBe(6);
    const hourly = (await t.client.beta.organization.analytics.usage.list({ ...range, time_bucket_width: '1h', order_by: 'time' })).data;
    expect(hourly.reduce((a, r) => a + r.usage.output_tokens, 0)).toBe(sessions.reduce((a, s) => a + s.usage.output_tokens!, 0));
    expect(hourly.every((r) => Date.parse(r.ending_at) - Date.parse(r.starting_at) === HOUR)).toBe(true);
  });

  it('cost grouped by session is each session’s exact list cost; filters narrow it', async () => {
    const rows = (await t.client.beta.organization.analytics.cost.list({ ...range, group_by: ['session_id'] })).data;
    expect(rows).toHaveLength(3);
    for (const s of sessions) {
      const row = rows.find((r) => r.group.session_id === s.id)!;
      expect(row.cost.currency).toBe('USD');
      expect(row.cost.amount).toBe(row.cost.list_amount);
      // The session rounds up to whole cents; the report keeps fractional cents.
      expect(Math.ceil(Number(row.cost.list_amount))).toBe(Number(s.usage.list_cost!.amount));
      expect(row.group).toMatchObject({ cost_type: null, token_type: null });
    }
    const opus = sessions[0]!.agent.id;
    const filtered = (await t.client.beta.organization.analytics.cost.list({ ...range, agent_ids: [opus], group_by: ['product'] })).data;
    expect(filtered).toHaveLength(1);
    expect(filtered[0]!.group.product).toBe('managed_agents_api');
    expect(filtered[0]!.cost.requests).toBe(3);
    const none = (await t.client.beta.organization.analytics.usage.list({ ...range, products: ['messages_api'] })).data;
    expect(none).toEqual([]);
    const oneMinute = (await t.client.beta.organization.analytics.usage.list({
      starting_at: iso(Date.now() - 30 * 60_000),
      ending_at: iso(Date.now() + 60_000),
      time_bucket_width: '1m',
    })).data;
    expect(oneMinute.reduce((a, r) => a + (r.usage.requests ?? 0), 0)).toBe(6);
  });

  it('ranges of whole days (daily rollup) plus ragged hours (hourly) add up the same', async () => {
    const DAY = 24 * HOUR;
    const now = Date.now();
    // From 2 days ago to 1 h past tomorrow's midnight: today is a whole day inside (daily rollup), the last hour is ragged.
    const wide = { starting_at: iso(Math.floor((now - 2 * DAY) / HOUR) * HOUR), ending_at: iso(Math.floor(now / DAY) * DAY + DAY + HOUR) };
    const byAgent = (await t.client.beta.organization.analytics.usage.list({ ...wide, group_by: ['agent_id'] })).data;
    const narrow = (await t.client.beta.organization.analytics.usage.list({ ...range, group_by: ['agent_id'] })).data;
    expect(byAgent.map((r) => [r.group.agent_id, r.usage]).sort()).toEqual(narrow.map((r) => [r.group.agent_id, r.usage]).sort());
    const days = (await t.client.beta.organization.analytics.cost.list({ ...wide, time_bucket_width: '1d' })).data;
    const cents = days.reduce((a, r) => a + Number(r.cost.list_amount), 0);
    const narrowCost = (await t.client.beta.organization.analytics.cost.list(range)).data;
    expect(cents).toBeCloseTo(Number(narrowCost[0]!.cost.list_amount), 6);
    expect(days.every((r) => Date.parse(r.ending_at) - Date.parse(r.starting_at) <= DAY)).toBe(true);
  });

  it('refuses what agentd cannot report, by name', async () => {
    const refused = async (params: Record<string, unknown>) => {
      const err = await t.client.beta.organization.analytics.usage.list({ ...range, ...params } as never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(APIError);
      expect((err as APIError).status).toBe(400);
      return JSON.stringify((err as APIError).error);
    };
    expect(await refused({ group_by: ['actor'] })).toContain('group_by');
    expect(await refused({ rbac_group_ids: ['rbac_group_x'] })).toContain('rbac_group_ids');
    expect(await refused({ time_bucket_width: '1h', ending_at: undefined })).toContain('ending_at');
    expect(await refused({ starting_at: '2026-01-01T00:00:00', ending_at: undefined })).toContain('starting_at');
    expect(await refused({ ending_at: iso(Date.parse(range.starting_at) + 40 * 24 * HOUR) })).toContain('31 days');
  });
});

// Per-key limits (429 with retry-after and anthropic-ratelimit-*), content capture with its retention, and prices
// from AGENTD_PRICES: settings of the gateway, each checked through the SDK.
import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { expectEnvelope, failure } from '../helpers/errors.js';
import { conversationWithCalls } from '../helpers/gateway.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestServer } from '../helpers/server.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';

const MODEL = 'claude-haiku-4-5';
const ask = (client: Anthropic, text: string) =>
  client.messages.create({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: text }] }).withResponse();

describe.each(dialects())('gateway: per-key limits (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const clock = new ManualClock();
  const t = useServer(dialect, () => ({
    model: fake,
    clock,
    env: { AGENTD_GATEWAY_REQUESTS_PER_MINUTE: '2', AGENTD_GATEWAY_TOKENS_PER_MINUTE: '100' },
  }));

  it('refuses past the requests-per-minute limit with 429, retry-after and the rate-limit headers, then refills', async () => {
    fake.setResponder(() => ({ content: [{ type: 'text', text: 'ok' }], usage: { input_tokens: 10, output_tokens: 5 } }));
    try {
      const first = await ask(t.client, 'one');
      expect(first.response.headers.get('anthropic-ratelimit-requests-limit')).toBe('2');
      expect(first.response.headers.get('anthropic-ratelimit-requests-remaining')).toBe('1');
      expect(first.response.headers.get('anthropic-ratelimit-tokens-limit')).toBe('100');
      await ask(t.client, 'two');
      const before = fake.requests.length;
      const refused = await failure(ask(t.client, 'three'));
      expect(refused).toBeInstanceOf(Anthropic.RateLimitError);
      expectEnvelope(refused, 429, 'rate_limit_error');
      expect(refused.error.error.message).toMatch(/2 requests per minute/);
      expect(refused.headers.get('retry-after')).toBe('30');
      expect(refused.headers.get('anthropic-ratelimit-requests-remaining')).toBe('0');
      expect(fake.requests.length).toBe(before); // nothing went upstream

      clock.advance(30_000);
      await ask(t.client, 'four');
    } finally {
      fake.setResponder(undefined);
    }
  });

  it('charges tokens as calls use them and refuses once the tokens-per-minute budget is spent', async () => {
    clock.advance(60_000); // full buckets
    fake.setResponder(() => ({ content: [{ type: 'text', text: 'big' }], usage: { input_tokens: 90, output_tokens: 20 } }));
    try {
      await ask(t.client, 'expensive');
      const refused = await failure(ask(t.client, 'again'));
      expectEnvelope(refused, 429, 'rate_limit_error');
      expect(refused.error.error.message).toMatch(/100 tokens per minute/);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      fake.setResponder(undefined);
    }
  });
});

describe.each(dialects())('gateway: content capture and prices (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const clock = new ManualClock();
  const t = useServer(dialect, () => ({
    model: fake,
    clock,
    env: {
      AGENTD_GATEWAY_CAPTURE: 'content',
      AGENTD_GATEWAY_CAPTURE_RETENTION_DAYS: '1',
      AGENTD_PRICES: JSON.stringify({ 'claude-haiku-4-5': { input: 2, output: 10 }, 'house-model*': { input: 1, output: 1, cache_read: 0.5 } }),
      AGENTD_MODEL_MAP: JSON.stringify({ 'house-model-small': 'claude-haiku-4-5' }),
    },
  }));

  it('keeps request and response bodies with AGENTD_GATEWAY_CAPTURE=content and prices calls with AGENTD_PRICES', async () => {
    fake.enqueue({ content: [{ type: 'text', text: 'captured reply' }], usage: { input_tokens: 1000, output_tokens: 100 } });
    fake.enqueue({ content: [{ type: 'text', text: 'streamed reply' }], usage: { input_tokens: 10, output_tokens: 10, cache_read_input_tokens: 1000 } });
    const headers = { 'agentd-conversation-id': `capture-${dialect}` };
    await t.client.messages.create({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'capture me' }] }, { headers });
    const stream = t.client.messages.stream({ model: 'house-model-small', max_tokens: 16, messages: [{ role: 'user', content: 'stream me' }] }, { headers });
    await stream.finalMessage();
    expect(fake.requests.at(-1)!.body.model).toBe('claude-haiku-4-5'); // the map applies to the gateway too

    const convo = await conversationWithCalls(t.url, `capture-${dialect}`, 2, '?include_content=true');
    const [plain, streamed] = convo.calls;
    expect(plain!.content).toEqual({
      request: { model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'capture me' }] },
      response: expect.objectContaining({ content: [{ type: 'text', text: 'captured reply' }] }),
    });
    expect((streamed!.content!.response as Array<{ type: string }>).map((e) => e.type)).toContain('message_stop');
    // Overridden prices ($2 / $10 per million) and a prefix entry with its own cache-read price.
    expect(plain!.list_cost_nanousd).toBe(1000 * 2000 + 100 * 10000);
    expect(streamed!.list_cost_nanousd).toBe(10 * 1000 + 10 * 1000 + 1000 * 500);
    expect(convo.list_cost_usd).toBe('0.003520000');

    // Past the retention period the bodies are gone; the calls stay.
    clock.advance(2 * 24 * 3_600_000);
    await t.restart(); // the retention sweep runs at start (and hourly)
    const later = await conversationWithCalls(t.url, `capture-${dialect}`, 2, '?include_content=true');
    expect(later.calls.map((c) => c.content)).toEqual([undefined, undefined]);
  });

  it('refuses to start with a malformed AGENTD_PRICES, saying why', async () => {
    const starts = (prices: string) => startTestServer(dialect, { env: { AGENTD_PRICES: prices } }).then((s) => s.close());
    await expect(starts('{"m": {"input": 1}}')).rejects.toThrow(/AGENTD_PRICES\["m"\] needs at least "input" and "output"/);
    await expect(starts('{"m": {"input": 1, "output": 2, "cache_wirte": 1}}')).rejects.toThrow(/cache_wirte is not a price field/);
    await expect(starts('/nonexistent/prices.json')).rejects.toThrow(/cannot read/);
  });
});

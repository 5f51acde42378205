// Message Batches through agentd: executed against the scripted upstream, durable across a restart, canceled, expired.
import http from 'node:http';
import { describe, expect, it } from 'vitest';
import type Anthropic from '@anthropic-ai/sdk';
import { dialects } from '../helpers/databases.js';
import { expectEnvelope, failure } from '../helpers/errors.js';
import { batchEnded, eventually, gate } from '../helpers/gateway.js';
import type { RecordedRequest } from '../helpers/fake-anthropic/index.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';

const MODEL = 'claude-haiku-4-5';

const batchRequest = (i: number) => ({
  custom_id: `request-${i}`,
  params: { model: MODEL, max_tokens: 32, messages: [{ role: 'user' as const, content: `request-${i}` }] },
});

/** The custom id a request was sent for (its only message says it). */
const customIdOf = (req: RecordedRequest) => String(req.body.messages?.[0]?.content ?? '');


async function resultsOf(client: Anthropic, id: string): Promise<Map<string, Anthropic.Messages.MessageBatchResult>> {
  const out = new Map<string, Anthropic.Messages.MessageBatchResult>();
  for await (const line of await client.messages.batches.results(id)) {
    expect(out.has(line.custom_id), `duplicate result for ${line.custom_id}`).toBe(false);
    out.set(line.custom_id, line.result);
  }
  return out;
}

const ended = (client: Anthropic, id: string, timeoutMs = 60_000) => batchEnded(client, id, timeoutMs);

describe.each(dialects())('gateway: Message Batches (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake }));

  it('runs 100 requests with one upstream failure and a restart in the middle; no recorded request is sent twice', async () => {
    const held = gate();
    let gated = 0;
    let overloadedOnce = false;
    fake.setResponder(async (req) => {
      const id = customIdOf(req);
      const n = Number(id.split('-')[1]);
      if (id === 'request-42') return { error: { status: 400, message: 'messages.0.content: request 42 is malformed' } };
      if (id === 'request-7' && !overloadedOnce) {
        overloadedOnce = true;
        return { error: { status: 529 } };
      }
      if (n >= 50) {
        gated++;
        await held.opened;
      }
      return { content: [{ type: 'text', text: `answer to ${id}` }], usage: { input_tokens: 10, output_tokens: 5 } };
    });
    const before = fake.requests.length;
    try {
      const batch = await t.client.messages.batches.create({ requests: Array.from({ length: 100 }, (_, i) => batchRequest(i)) });
      expect(batch).toMatchObject({
        type: 'message_batch',
        processing_status: 'in_progress',
        request_counts: { processing: 100, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
        results_url: null,
      });
      expect(Date.parse(batch.expires_at) - Date.parse(batch.created_at)).toBe(24 * 3_600_000);

      // Midway: the first half answered, requests 50+ held at the upstream.
      await eventually('the upstream to hold requests', async () => (gated >= 8 ? true : undefined));
      const midway = await t.client.messages.batches.retrieve(batch.id);
      expect(midway.processing_status).toBe('in_progress');
      expect(midway.request_counts.succeeded).toBeGreaterThanOrEqual(48);
      const recordedBeforeRestart = new Set(
        fake.requests.slice(before).filter((r) => r.response.status === 200 && r.response.outcome === 'completed').map(customIdOf),
      );

      await t.restart();
      held.open();
      const done = await ended(t.client, batch.id);
      expect(done.request_counts).toEqual({ processing: 0, succeeded: 99, errored: 1, canceled: 0, expired: 0 });
      expect(done.results_url).toBe(`${t.url}/v1/messages/batches/${batch.id}/results`);
      expect(done.ended_at).not.toBeNull();

      const results = await resultsOf(t.client, batch.id);
      expect(results.size).toBe(100);
      expect(results.get('request-42')).toEqual({
        type: 'errored',
        error: { type: 'error', error: { type: 'invalid_request_error', message: 'messages.0.content: request 42 is malformed' }, request_id: expect.any(String) },
      });
      for (let i = 0; i < 100; i++) {
        if (i === 42) continue;
        const r = results.get(`request-${i}`);
        expect(r?.type).toBe('succeeded');
        if (r?.type === 'succeeded') expect(r.message.content).toEqual([{ type: 'text', text: `answer to request-${i}` }]);
      }

      // A request whose answer was delivered and recorded before the restart was never sent again.
      const sent = fake.requests.slice(before);
      for (const id of recordedBeforeRestart) {
        const answered = sent.findIndex((r) => customIdOf(r) === id && r.response.status === 200);
        expect(sent.slice(answered + 1).filter((r) => customIdOf(r) === id), id).toEqual([]);
      }
      // The 529 was retried; every request got exactly one answer in the end.
      expect(sent.filter((r) => customIdOf(r) === 'request-7').map((r) => r.response.status)).toEqual([529, 200]);
      const delivered = sent.filter((r) => r.response.status === 200 && r.response.outcome === 'completed');
      expect(delivered).toHaveLength(99);
      expect(new Set(delivered.map(customIdOf)).size).toBe(99);

      // Listed, then deleted once ended.
      const listed: string[] = [];
      for await (const b of t.client.messages.batches.list({ limit: 2 })) listed.push(b.id);
      expect(listed).toContain(batch.id);
      expect(await t.client.messages.batches.delete(batch.id)).toEqual({ id: batch.id, type: 'message_batch_deleted' });
      expectEnvelope(await failure(t.client.messages.batches.retrieve(batch.id)), 404, 'not_found_error');
    } finally {
      held.open();
      fake.setResponder(undefined);
    }
  });

  it('cancel: requests not yet sent are canceled, those in flight finish; a batch in progress cannot be deleted', async () => {
    const held = gate();
    let inFlight = 0;
    fake.setResponder(async (req) => {
      inFlight++;
      await held.opened;
      return { content: [{ type: 'text', text: `ok ${customIdOf(req)}` }] };
    });
    try {
      const batch = await t.client.beta.messages.batches.create({
        requests: Array.from({ length: 12 }, (_, i) => batchRequest(i)),
        betas: ['message-batches-2024-09-24'],
      });
      await eventually('8 requests in flight', async () => (inFlight === 8 ? true : undefined));
      const refused = await failure(t.client.messages.batches.delete(batch.id));
      expectEnvelope(refused, 400, 'invalid_request_error');
      const canceling = await t.client.messages.batches.cancel(batch.id);
      expect(canceling.processing_status).toBe('canceling');
      expect(canceling.cancel_initiated_at).not.toBeNull();
      held.open();
      const done = await ended(t.client, batch.id);
      expect(done.request_counts).toEqual({ processing: 0, succeeded: 8, errored: 0, canceled: 4, expired: 0 });
      const results = await resultsOf(t.client, batch.id);
      expect([...results.values()].filter((r) => r.type === 'canceled')).toHaveLength(4);
      // Every request went upstream with the batch's beta header.
      expect(fake.requests.at(-1)!.headers['anthropic-beta']).toBe('message-batches-2024-09-24');
    } finally {
      held.open();
      fake.setResponder(undefined);
    }
  });

  it('results of a batch deleted while they are read break off instead of ending as if complete', async () => {
    // 501 results of ~20 KB: the first page (500) is far more than the sockets buffer, so the server is still
    // inside it, waiting for the client, when the batch is deleted.
    fake.setResponder(async () => ({ content: [{ type: 'text', text: 'r'.repeat(20_000) }], usage: { input_tokens: 1, output_tokens: 1 } }));
    try {
      const batch = await t.client.messages.batches.create({ requests: Array.from({ length: 501 }, (_, i) => batchRequest(i)) });
      await ended(t.client, batch.id);
      const res = await new Promise<http.IncomingMessage>((resolve, reject) =>
        http.get(`${t.url}/v1/messages/batches/${batch.id}/results`, { headers: { 'x-api-key': t.client.apiKey! } }, resolve).on('error', reject),
      );
      expect(res.statusCode).toBe(200);
      res.pause();
      await new Promise((r) => setTimeout(r, 300));
      await t.client.messages.batches.delete(batch.id);
      let text = '';
      const outcome = await new Promise<string>((resolve) => {
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve('end'));
        res.on('error', () => resolve('error'));
        res.on('aborted', () => resolve('error'));
        res.resume();
      });
      expect(outcome).toBe('error');
      expect(text.split('\n').filter((l) => l !== '').length).toBeLessThan(501);
    } finally {
      fake.setResponder(undefined);
    }
  });

  it('refuses malformed batches with a 400 naming the field', async () => {
    const dup = await failure(t.client.messages.batches.create({ requests: [batchRequest(1), batchRequest(1)] }));
    expectEnvelope(dup, 400, 'invalid_request_error');
    expect(dup.error.error.message).toMatch(/^requests\.1\.custom_id/);
    const streaming = await failure(
      t.client.messages.batches.create({ requests: [{ custom_id: 'a', params: { ...batchRequest(0).params, stream: true } as never }] }),
    );
    expect(streaming.error.error.message).toMatch(/^requests\.0\.params\.stream/);
    expectEnvelope(await failure(t.client.messages.batches.create({ requests: [] })), 400, 'invalid_request_error');
  });
});

describe.each(dialects())('gateway: Message Batch expiry (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const clock = new ManualClock();
  const t = useServer(dialect, () => ({ model: fake, clock }));

  it('a batch still processing 24 hours after creation ends with its unfinished requests expired', async () => {
    const held = gate();
    fake.setResponder(async () => {
      await held.opened;
      return { content: [{ type: 'text', text: 'too late' }] };
    });
    try {
      const batch = await t.client.messages.batches.create({ requests: Array.from({ length: 10 }, (_, i) => batchRequest(i)) });
      await fake.waitForRequests(8, 10_000);
      await eventually('the expiry timer', async () => (clock.pendingSleepers > 0 ? true : undefined));
      clock.advance(24 * 3_600_000);
      const done = await ended(t.client, batch.id);
      expect(done.request_counts).toEqual({ processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 10 });
      const results = await resultsOf(t.client, batch.id);
      expect([...results.values()]).toEqual(Array(10).fill({ type: 'expired' }));
    } finally {
      held.open();
      fake.setResponder(undefined);
    }
  });
});

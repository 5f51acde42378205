// /v1/messages/batches: create, retrieve, list, cancel, delete and the JSONL results of Message Batches.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { MessageBatch } from '@anthropic-ai/sdk/resources/messages/batches.js';
import { newId } from '../../../api/ids.js';
import { isoNow } from '../../../domain/clock.js';
import { invalidRequest, notFound } from '../../../errors.js';
import type { BatchExecutor } from '../../../gateway/batches/batch-executor.js';
import type { GatewayDeps } from '../../../gateway/gateway-deps.js';
import { idPageRequest, type IdPage } from '../../../gateway/id-page.js';
import type { BatchRecord, NewBatchRequest } from '../../../store/batch-types.js';
import type { PageRequest } from '../../../store/types.js';
import type { Query } from '../../query.js';
import { checkLedgerFields } from '../../../gateway/gateway-call.js';
import { PASS_THROUGH_BODY } from '../../route-config.js';
import { callerOf } from './open-call.js';

/** The hosted API's limits: at most 100,000 requests, results expire 24 hours after creation. */
export const MAX_BATCH_REQUESTS = 100_000;
const EXPIRY_MS = 24 * 3_600_000;
const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;
const RESULT_PAGE = 500;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks the envelope of each request; the params themselves are the provider's to judge (per-request results). */
function parseRequests(body: unknown): NewBatchRequest[] {
  if (!isRecord(body)) throw invalidRequest('request body: expected a JSON object');
  const unknown = Object.keys(body).find((k) => k !== 'requests');
  if (unknown !== undefined) throw invalidRequest(`${unknown}: Extra inputs are not permitted`);
  const requests = body['requests'];
  if (!Array.isArray(requests) || requests.length === 0) throw invalidRequest('requests: expected a non-empty list');
  if (requests.length > MAX_BATCH_REQUESTS) throw invalidRequest(`requests: at most ${MAX_BATCH_REQUESTS} requests per batch`);
  const seen = new Set<string>();
  return requests.map((r, i) => {
    if (!isRecord(r)) throw invalidRequest(`requests.${i}: expected an object with custom_id and params`);
    const extra = Object.keys(r).find((k) => k !== 'custom_id' && k !== 'params');
    if (extra !== undefined) throw invalidRequest(`requests.${i}.${extra}: Extra inputs are not permitted`);
    const customId = r['custom_id'];
    if (typeof customId !== 'string' || !CUSTOM_ID.test(customId)) {
      throw invalidRequest(`requests.${i}.custom_id: expected 1 to 64 characters of letters, digits, "_" or "-"`);
    }
    if (seen.has(customId)) throw invalidRequest(`requests.${i}.custom_id: "${customId}" is used by another request of this batch`);
    seen.add(customId);
    const params = r['params'];
    if (!isRecord(params)) throw invalidRequest(`requests.${i}.params: expected the Messages API parameters as an object`);
    if (params['stream'] === true) throw invalidRequest(`requests.${i}.params.stream: batch requests cannot stream`);
    checkLedgerFields(params, `requests.${i}.params.`);
    return { customId, params };
  });
}

export function presentBatch(b: BatchRecord, baseUrl: string): MessageBatch {
  return {
    id: b.id,
    type: 'message_batch',
    processing_status: b.processingStatus,
    request_counts: { ...b.counts },
    created_at: b.createdAt,
    expires_at: b.expiresAt,
    ended_at: b.endedAt,
    cancel_initiated_at: b.cancelInitiatedAt,
    archived_at: null,
    results_url: b.processingStatus === 'ended' ? `${baseUrl}/v1/messages/batches/${b.id}/results` : null,
  };
}

const baseUrlOf = (req: FastifyRequest) => `${req.protocol}://${req.host}`;

export function batchesRoutes(app: FastifyInstance, deps: GatewayDeps, executor: BatchExecutor): void {
  const { store } = deps;
  const getBatch = async (workspaceId: string, id: string) => {
    const batch = await store.batches.get(workspaceId, id);
    if (!batch) throw notFound(`message batch ${id} not found`);
    return batch;
  };

  app.post('/v1/messages/batches', { bodyLimit: deps.config.maxBatchBytes, ...PASS_THROUGH_BODY }, async (req) => {
    const requests = parseRequests(req.body);
    const caller = callerOf(req);
    const createdAt = isoNow(deps.clock);
    const batch: BatchRecord = {
      id: newId('msgbatch'),
      workspaceId: caller.workspaceId,
      apiKeyId: caller.apiKeyId,
      betas: caller.betas,
      processingStatus: 'in_progress',
      counts: { processing: requests.length, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      createdAt,
      expiresAt: new Date(Date.parse(createdAt) + EXPIRY_MS).toISOString(),
      endedAt: null,
      cancelInitiatedAt: null,
    };
    await store.batches.create(batch, requests);
    executor.kick(batch.id);
    return presentBatch(batch, baseUrlOf(req));
  });

  app.get<{ Querystring: Query }>('/v1/messages/batches', async (req): Promise<IdPage<MessageBatch>> => {
    const { limit, beforeId, afterId } = idPageRequest(req.query);
    const page: PageRequest = { limit, order: 'desc' };
    if (afterId !== undefined) page.cursor = { key: afterId, direction: 'next' };
    if (beforeId !== undefined) page.cursor = { key: beforeId, direction: 'prev' };
    const result = await store.batches.list(req.workspaceId, page);
    const data = result.items.map((b) => presentBatch(b, baseUrlOf(req)));
    return { data, has_more: result.hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
  });

  app.get<{ Params: { batch_id: string } }>('/v1/messages/batches/:batch_id', async (req) =>
    presentBatch(await getBatch(req.workspaceId, req.params.batch_id), baseUrlOf(req)),
  );

  app.post<{ Params: { batch_id: string } }>('/v1/messages/batches/:batch_id/cancel', async (req) => {
    const batch = await getBatch(req.workspaceId, req.params.batch_id);
    if (await store.batches.markCanceling(batch.id, isoNow(deps.clock))) executor.kick(batch.id);
    return presentBatch(await getBatch(req.workspaceId, batch.id), baseUrlOf(req));
  });

  app.delete<{ Params: { batch_id: string } }>('/v1/messages/batches/:batch_id', async (req) => {
    const batch = await getBatch(req.workspaceId, req.params.batch_id);
    if (!(await store.batches.deleteEnded(batch.id))) {
      throw invalidRequest(`message batch ${batch.id} is ${batch.processingStatus}: only an ended batch can be deleted (cancel it first)`);
    }
    return { id: batch.id, type: 'message_batch_deleted' as const };
  });

  app.get<{ Params: { batch_id: string } }>('/v1/messages/batches/:batch_id/results', async (req, reply) => {
    const batch = await getBatch(req.workspaceId, req.params.batch_id);
    if (batch.processingStatus !== 'ended') {
      throw invalidRequest(`message batch ${batch.id} is still ${batch.processingStatus}: results are available once it has ended`);
    }
    // One line per request, read from the store a page at a time: a batch of any size streams in constant memory.
    const { succeeded, errored, canceled, expired } = batch.counts;
    const total = succeeded + errored + canceled + expired;
    async function* lines(): AsyncGenerator<string> {
      let after = -1;
      let sent = 0;
      for (;;) {
        const rows = await store.batches.results(batch.id, after, RESULT_PAGE);
        for (const row of rows) yield `${JSON.stringify({ custom_id: row.customId, result: row.result })}\n`;
        sent += rows.length;
        if (rows.length < RESULT_PAGE) break;
        after = rows.at(-1)!.index;
      }
      // Deleted while being read: the response breaks off rather than ending as if these were all the results.
      if (sent < total) throw new Error(`message batch ${batch.id} was deleted while its results were being read`);
    }
    return reply.type('application/x-jsonl').send(Readable.from(lines()));
  });
}

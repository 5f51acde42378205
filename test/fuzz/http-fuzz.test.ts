// Seeded HTTP fuzzing over every registered route (issue 18, item 5): random methods, paths, ids,
// queries, headers and bodies (JSON, malformed JSON, multipart — well-formed and broken — and other
// content types), plus malformed HTTP on a raw socket. Every response must be below 500; every
// refusal must be the standard error envelope; a refused request must change no table's row
// count; and the server must stay healthy. AGENTD_FUZZ_SEED and AGENTD_FUZZ_REQUESTS reproduce or
// widen a run; failures print the seed and the request.
import http from 'node:http';
import { toFile } from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { dialects } from '../helpers/databases.js';
import { TEST_API_KEY } from '../helpers/server.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { uploadSkill } from '../helpers/skills.js';
import { sendRaw, type Answer } from '../helpers/raw-http.js';
import { openRowCounter, type RowCounter } from '../helpers/row-counts.js';
import { fuzzRequest, rawFuzzRequest, randomSource, type FuzzContext, type FuzzRequest } from './http-fuzz-generators.js';

const SEED = Number(process.env.AGENTD_FUZZ_SEED ?? 18_005);
const REQUESTS = Number(process.env.AGENTD_FUZZ_REQUESTS ?? 5_000);
// Each request has a connection of its own, so a refusal that closes its connection cannot be
// mistaken for a failure of the next request.
/** A response slower than this is a hang (the longest legitimate wait is a 999 ms long poll). */
const RESPONSE_TIMEOUT_MS = 10_000;
/**
 * Not resources: the usage ledger records every gateway call, refused ones included, and is
 * written just after the answer — so a row may land while the next request is in flight.
 */
const CALL_RECORDS = new Set(['usage_ledger']);
/** The OpenAI-compatible endpoint answers in OpenAI's error shape (docs/gateway.md). */
const OPENAI_SHAPED = /^(http:\/\/[^/]*)?\/v1\/chat\/completions(\?|$)/;


function sendHttp(base: URL, r: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent: false,
        host: base.hostname,
        port: Number(base.port),
        method: r.method,
        path: r.target,
        // A body always goes with its length (Node would send a HEAD's or GET's body unframed).
        headers: r.body === undefined ? r.headers : { ...r.headers, 'content-length': String(r.body.length) },
      },
      (res) => {
        const contentType = String(res.headers['content-type'] ?? '');
        const head = { status: res.statusCode ?? 0, contentType, requestId: res.headers['request-id'] as string | undefined };
        // An opened event stream is a success; it would never end by itself.
        if (contentType.startsWith('text/event-stream')) {
          res.destroy();
          resolve({ ...head, body: '' });
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ ...head, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(RESPONSE_TIMEOUT_MS, () => req.destroy(new Error('no response (timeout)')));
    req.on('error', reject);
    req.end(r.body);
  });
}

/** What is wrong with an answer, or undefined. */
function problemWith(r: FuzzRequest, a: Answer): string | undefined {
  if (a.status >= 500 || a.status < 200) return `status ${a.status}`;
  if (a.status < 400) return a.status >= 300 ? `status ${a.status}` : undefined;
  if (r.method === 'HEAD') return undefined; // no body to check
  let body: any;
  try {
    body = JSON.parse(a.body);
  } catch {
    return `a ${a.status} whose body is not JSON: ${JSON.stringify(a.body.slice(0, 200))}`;
  }
  if (!a.contentType.startsWith('application/json')) return `a ${a.status} with content-type ${a.contentType}`;
  const openAi = !r.raw && OPENAI_SHAPED.test(r.target);
  const ok = openAi
    ? typeof body?.error?.type === 'string' && typeof body.error.message === 'string'
    : body?.type === 'error' &&
      typeof body.error?.type === 'string' &&
      typeof body.error.message === 'string' &&
      /^req_/.test(body.request_id) &&
      body.request_id === a.requestId &&
      Object.keys(body).length === 3;
  return ok ? undefined : `a ${a.status} outside the envelope: ${a.body.slice(0, 200)}`;
}

const describeRequest = (r: FuzzRequest) =>
  r.raw ? `raw ${JSON.stringify(r.raw.subarray(0, 300).toString('latin1'))}` : `${r.method} ${r.target} ${JSON.stringify(r.headers)} ${JSON.stringify(r.body?.subarray(0, 200).toString('latin1') ?? '')}`;

describe.each(dialects())('HTTP fuzz: every answer is below 500 and in the envelope (%s)', (dialect) => {
  // The gateway's upstream calls go to the fake Messages API (which answers what it validates);
  // the engine stays off so no agent loop writes rows behind the fuzz's back.
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ env: { ANTHROPIC_BASE_URL: fake.url, ANTHROPIC_API_KEY: 'sk-test-model-key', AGENTD_ENGINE: 'off' } }));
  let counter: RowCounter;
  let ctx: FuzzContext;

  beforeAll(async () => {
    const agentRecord = await createAgent(t.client);
    const env = await createEnvironment(t.client);
    const selfHosted = await createEnvironment(t.client, { config: { type: 'self_hosted' } });
    const { key: environmentKey, id: keyId } = await t.client.post<{ key: string; id: string }>(
      `/v1/environments/${selfHosted.id}/keys`,
      { body: {} },
    );
    const session = await t.client.beta.sessions.create({ agent: agentRecord.id, environment_id: env.id });
    const file = await t.client.beta.files.upload({ file: await toFile(Buffer.from('hello'), 'a.txt', { type: 'text/plain' }) });
    const store = await t.client.beta.memoryStores.create({ name: 'fuzz' });
    const memory = await t.client.beta.memoryStores.memories.create(store.id, { path: '/notes.md', content: 'x' });
    const skill = await uploadSkill(t.client, 'fuzz-skill');
    ctx = {
      routes: t.server.app.registeredRoutes.map((r) => ({ method: r.method, url: r.url })),
      apiKey: TEST_API_KEY,
      environmentKey,
      ids: {
        agent_id: [agentRecord.id],
        environment_id: [env.id, selfHosted.id],
        session_id: [session.id],
        file_id: [file.id],
        memory_store_id: [store.id],
        memory_id: [memory.id],
        skill_id: [skill.id],
        version: [String(skill.latest_version_id ?? '1'), 'latest'],
        key_id: [keyId],
      },
    };
    counter = await openRowCounter(t);
  }, 60_000);
  afterAll(async () => {
    await counter?.close();
  });

  it(`${REQUESTS} seeded requests (seed ${SEED}): 0 5xx, 0 answers outside the envelope, nothing created by a refusal`, async () => {
    const base = new URL(t.url);
    const rand = randomSource(SEED + (dialect === 'postgres' ? 1 : 0));
    const failures: string[] = [];
    const statuses = new Map<number, number>();
    let before = await counter.counts();
    for (let i = 0; i < REQUESTS; i++) {
      const r = rand() < 0.06 ? rawFuzzRequest(rand) : fuzzRequest(rand, ctx);
      let answer: Answer;
      try {
        answer = r.raw ? await sendRaw(base, r.raw) : await sendHttp(base, r);
      } catch (err) {
        failures.push(`#${i} ${(err as Error).message}: ${describeRequest(r)}`);
        continue;
      }
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      const problem = problemWith(r, answer);
      if (problem) failures.push(`#${i} ${problem}: ${describeRequest(r)}`);
      const after = await counter.counts();
      if (answer.status >= 400) {
        const changed = Object.keys(after).filter((table) => !CALL_RECORDS.has(table) && after[table] !== before[table]);
        if (changed.length > 0) failures.push(`#${i} refused with ${answer.status} but changed ${changed.join(', ')}: ${describeRequest(r)}`);
      }
      before = after;
      if (failures.length >= 25) break;
    }
    expect(failures, `seed ${SEED}; statuses ${JSON.stringify([...statuses].sort())}`).toEqual([]);
    // The fuzz reached past authentication and validation, not only the front door.
    const count = (pred: (s: number) => boolean) => [...statuses].filter(([s]) => pred(s)).reduce((n, [, c]) => n + c, 0);
    expect(count((s) => s >= 200 && s < 300)).toBeGreaterThan(REQUESTS / 50);
    expect(count((s) => s === 400)).toBeGreaterThan(REQUESTS / 10);
    expect(count((s) => s === 404)).toBeGreaterThan(REQUESTS / 20);
    // And the server is still healthy.
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
    expect((await t.client.beta.agents.retrieve(ctx.ids.agent_id![0]!)).id).toBe(ctx.ids.agent_id![0]);
  }, 900_000);
});

// Revocation ends access (issue 18, item 4), through the official SDK: stopping a work item ends
// the event streams its session token opened, deleting an environment key ends the streams it
// opened, and a work item handed to another poll ends its old token's stream (found by the
// periodic re-check) — each within one second — and the credential's next request is refused.
// Streams opened with an API key are unaffected.
import Anthropic from '@anthropic-ai/sdk';
import { beforeAll, describe, expect, it } from 'vitest';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { sendText } from '../helpers/turns.js';
import { StreamReader } from '../helpers/stream.js';

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

/** Milliseconds until the stream ends (whatever it delivers meanwhile); throws past `timeoutMs`. */
async function endsWithin(reader: StreamReader<unknown>, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  await reader.until(() => false, timeoutMs);
  return Date.now() - t0;
}

async function status(call: Promise<unknown>): Promise<number> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Anthropic.APIError);
  return (err as InstanceType<typeof Anthropic.APIError>).status ?? 0;
}

describe.each(dialects())('revocation ends access (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake }));
  const work = () => t.client.beta.environments.work;
  const asWorker = (key: string) => t.clientWith({ apiKey: null, authToken: key });

  beforeAll(async () => {
    // Every model turn asks for a built-in tool, so each session waits on a worker.
    fake.setResponder(() => ({ content: [{ type: 'tool_use', name: 'bash', input: { command: 'true' } }] }));
  });

  /** A self_hosted environment with a key, and a session offered in its queue. */
  async function offered() {
    const env = await createEnvironment(t.client, { config: { type: 'self_hosted' } });
    const agent = await createAgent(t.client, { tools: [{ type: 'agent_toolset_20260401' }] });
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    const { key, id: keyId } = await t.client.post<{ key: string; id: string }>(`/v1/environments/${env.id}/keys`, { body: {} });
    await sendText(t.client, session.id, 'run true');
    const item = await until('the session to be offered', async () => (await work().list(env.id)).data[0]);
    return { env, session, key, keyId, item };
  }

  it("stopping a work item ends its session token's stream within a second and refuses the token", async () => {
    const { env, session, key, item } = await offered();
    const polled = (await asWorker(key).beta.environments.work.poll(env.id, {}))!;
    const token = asWorker(sessionsToken(polled.secret));
    await token.beta.environments.work.ack(item.id, { environment_id: env.id });
    const tokenStream = new StreamReader(await token.beta.sessions.events.stream(session.id));
    const apiStream = await t.client.beta.sessions.events.stream(session.id);
    expect(await tokenStream.quietFor(300)).toBe(true); // open and waiting

    await work().stop(item.id, { environment_id: env.id, force: true });
    expect(await endsWithin(tokenStream, 1_000)).toBeLessThan(1_000);
    expect(await status(token.beta.sessions.retrieve(session.id))).toBe(403);
    expect(await status(token.beta.sessions.events.stream(session.id))).toBe(403);

    // The API key's stream is still open: it receives what is sent next.
    await sendText(t.client, session.id, 'after the stop');
    const next = await new StreamReader(apiStream).until((e) => e.type === 'user.message');
    expect(next.at(-1)).toMatchObject({ type: 'user.message' });
    apiStream.controller.abort();
  });

  it('deleting an environment key ends the streams it opened within a second and refuses the key', async () => {
    const { env, session, key, keyId } = await offered();
    const worker = asWorker(key);
    const keyStream = new StreamReader(await worker.beta.sessions.events.stream(session.id));
    expect(await keyStream.quietFor(300)).toBe(true);

    await t.client.delete(`/v1/environments/${env.id}/keys/${keyId}`);
    expect(await endsWithin(keyStream, 1_000)).toBeLessThan(1_000);
    expect(await status(worker.beta.sessions.retrieve(session.id))).toBe(401);
    expect(await status(worker.beta.environments.work.poll(env.id, {}))).toBe(401);
  });

  it('a long poll waiting when its key is deleted returns empty at once and claims nothing', async () => {
    const env = await createEnvironment(t.client, { config: { type: 'self_hosted' } });
    const { key, id: keyId } = await t.client.post<{ key: string; id: string }>(`/v1/environments/${env.id}/keys`, { body: {} });
    const t0 = Date.now();
    const waiting = asWorker(key).beta.environments.work.poll(env.id, { block_ms: 999 });
    await new Promise((r) => setTimeout(r, 150));
    await t.client.delete(`/v1/environments/${env.id}/keys/${keyId}`);
    expect(await waiting).toBeNull();
    // Ended by the revocation, not by its 999 ms block running out.
    expect(Date.now() - t0).toBeLessThan(700);
  });

  it("a work item handed to another poll ends the old token's stream (the periodic re-check)", async () => {
    const { env, session, key } = await offered();
    const worker = asWorker(key);
    const first = (await worker.beta.environments.work.poll(env.id, {}))!;
    const oldToken = asWorker(sessionsToken(first.secret));
    const oldStream = new StreamReader(await oldToken.beta.sessions.events.stream(session.id));
    expect(await oldStream.quietFor(300)).toBe(true);

    // Reclaimed by a new poll: no revocation call is made, only the claim changes.
    const second = await until('the item to be reclaimed', async () => (await worker.beta.environments.work.poll(env.id, { reclaim_older_than_ms: 1 })) ?? undefined);
    expect(sessionsToken(second.secret)).not.toBe(sessionsToken(first.secret));
    expect(await endsWithin(oldStream, 1_000)).toBeLessThan(1_000);
    expect(await status(oldToken.beta.sessions.retrieve(session.id))).toBe(403);
    // The new token reaches the session.
    expect((await asWorker(sessionsToken(second.secret)).beta.sessions.retrieve(session.id)).id).toBe(session.id);
  });
});

// Multi-agent sessions through the official SDK against the scripted model: a coordinator
// delegates to roster agents with call_agent, each runs in its own thread, and the Threads API
// shows them.
import { describe, expect, it } from 'vitest';
import { dialects } from '../helpers/databases.js';
import { expectEnvelope, failure } from '../helpers/errors.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { StreamReader } from '../helpers/stream.js';
import { sendText, streamWhile, typesOf, waitSettled, type StreamEvent } from '../helpers/turns.js';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { DEFAULT_WORKSPACE_ID } from '../../src/store/workspace.js';

const call = (agent: string, message: string, extra: Record<string, unknown> = {}) => ({ type: 'tool_use' as const, name: 'call_agent', input: { agent, message, ...extra } });
const say = (text: string) => ({ content: [{ type: 'text' as const, text }] });
const systemOf = (body: any) => JSON.stringify(body.system ?? '');

describe.each(dialects())('multi-agent threads (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  const t = useServer(dialect, () => ({ model: fake }));

  async function coordinatorSession(reviewerOverrides: Record<string, unknown> = {}) {
    const reviewer = await createAgent(t.client, { name: `Reviewer`, model: 'claude-opus-4-8', system: 'REVIEWER-SYSTEM: you review code.', ...reviewerOverrides });
    const coordinator = await createAgent(t.client, {
      model: 'claude-opus-4-8',
      system: 'COORDINATOR-SYSTEM',
      multiagent: { type: 'coordinator', agents: [reviewer.id] },
    });
    const env = await createEnvironment(t.client);
    const session = await t.client.beta.sessions.create({ agent: coordinator.id, environment_id: env.id });
    return { session, reviewer, coordinator };
  }

  it('a coordinator delegates to a reviewer and gets its answer; thread events in order; Threads API', async () => {
    const { session, reviewer } = await coordinatorSession();
    const before = fake.requests.length;
    fake.enqueue(
      { content: [call('Reviewer', 'Review the patch in /workspace/patch.diff')] },
      { ...say('LGTM: one nit on naming.'), usage: { input_tokens: 40, output_tokens: 8 } },
      say('The reviewer approved it with one nit.'),
    );
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'Get the patch reviewed'));
    expect(typesOf(events)).toEqual([
      'user.message',
      'session.status_running',
      'span.model_request_start',
      'agent.tool_use',
      'span.model_request_end',
      'session.usage',
      'session.thread_created',
      'agent.thread_message_sent',
      'session.thread_status_running',
      // The reviewer's call: the session's usage, on the session's stream.
      'session.usage',
      'session.thread_status_idle',
      'agent.thread_message_received',
      'agent.tool_result',
      'span.model_request_start',
      'agent.message',
      'span.model_request_end',
      'session.usage',
      'session.status_idle',
    ]);
    const created = events.find((e) => e.type === 'session.thread_created') as any;
    expect(created).toMatchObject({ agent_name: 'Reviewer', session_thread_id: expect.stringMatching(/^sthr_/) });
    const threadId = created.session_thread_id as string;
    expect(events.find((e) => e.type === 'agent.thread_message_sent')).toMatchObject({
      to_session_thread_id: threadId,
      to_agent_name: 'Reviewer',
      content: [{ type: 'text', text: 'Review the patch in /workspace/patch.diff' }],
    });
    expect(events.find((e) => e.type === 'session.thread_status_idle')).toMatchObject({ session_thread_id: threadId, stop_reason: { type: 'end_turn' } });
    const received = events.find((e) => e.type === 'agent.thread_message_received') as any;
    expect(received).toMatchObject({ from_session_thread_id: threadId, from_agent_name: 'Reviewer' });
    expect(received.content[0].text).toContain('LGTM: one nit on naming.');
    expect(events.find((e) => e.type === 'agent.tool_result')).toMatchObject({ is_error: false });

    // Each thread has its own context: the reviewer sees its own system prompt and only the delegated message.
    const [coord0, child, coord1] = fake.requests.slice(before).map((r) => r.body as any);
    expect(systemOf(coord0)).toContain('COORDINATOR-SYSTEM');
    expect(coord0.tools.map((x: any) => x.name)).toContain('call_agent');
    expect(systemOf(child)).toContain('REVIEWER-SYSTEM');
    expect(systemOf(child)).not.toContain('COORDINATOR-SYSTEM');
    expect((child.tools ?? []).map((x: any) => x.name)).not.toContain('call_agent');
    expect(child.messages).toHaveLength(1);
    expect(JSON.stringify(child.messages)).toContain('Review the patch');
    expect(JSON.stringify(coord1.messages.at(-1))).toContain('LGTM: one nit on naming.');

    // Threads API: exactly one primary thread, and the reviewer's.
    const threads = (await t.client.beta.sessions.threads.list(session.id)).data;
    expect(threads).toHaveLength(2);
    const primary = threads.find((x) => x.parent_thread_id === null)!;
    expect(primary).toMatchObject({ type: 'session_thread', session_id: session.id, status: 'idle' });
    const thread = await t.client.beta.sessions.threads.retrieve(threadId, { session_id: session.id });
    expect(thread).toMatchObject({
      id: threadId,
      parent_thread_id: primary.id,
      status: 'idle',
      archived_at: null,
      agent: { id: reviewer.id, name: 'Reviewer', version: 1, system: 'REVIEWER-SYSTEM: you review code.' },
      usage: { input_tokens: 40, output_tokens: 8 },
    });
    const own = (await t.client.beta.sessions.threads.events.list(threadId, { session_id: session.id })).data;
    expect(typesOf(own as StreamEvent[])).toEqual([
      'session.thread_created',
      'user.message',
      'session.thread_status_running',
      'span.model_request_start',
      'agent.message',
      'span.model_request_end',
      'session.thread_status_idle',
    ]);
    // The session's own list shows the condensed view: none of the reviewer's spans or messages.
    const listed = (await t.client.beta.sessions.events.list(session.id)).data;
    expect(listed.filter((e) => e.type === 'agent.message').map((e: any) => e.content[0].text)).toEqual(['The reviewer approved it with one nit.']);
    // Every call is a priced ledger row, the reviewer's with its thread; the session's cost (and its
    // last session.usage snapshot) is their sum.
    const rows = (await t.server.store.usage.listBySession(DEFAULT_WORKSPACE_ID, session.id, { limit: 100, order: 'asc' })).items;
    expect(rows.map((r) => r.threadId)).toEqual([null, threadId, null]);
    for (const r of rows) expect(r.listCostNanoUsd).toBeGreaterThan(0);
    const cents = String(Math.ceil(rows.reduce((n, r) => n + r.listCostNanoUsd!, 0) / 1e7));
    expect((await t.client.beta.sessions.retrieve(session.id)).usage.list_cost).toEqual({ amount: cents, currency: 'USD' });
    expect((listed.filter((e) => e.type === 'session.usage').at(-1) as any).usage.list_cost).toEqual({ amount: cents, currency: 'USD' });
    const primaryOwn = (await t.client.beta.sessions.threads.events.list(primary.id, { session_id: session.id })).data;
    expect(primaryOwn.some((e) => e.type === 'session.thread_status_idle')).toBe(false);
    expect(primaryOwn.some((e) => e.type === 'agent.thread_message_received')).toBe(true);

    // A follow-up to the same thread (it keeps its turns), watched on the thread's own stream.
    fake.enqueue({ content: [call('Reviewer', 'And the tests?', { thread_id: threadId })] }, say('Tests look fine.'), say('Done.'));
    const stream = await t.client.beta.sessions.threads.events.stream(threadId, { session_id: session.id });
    await sendText(t.client, session.id, 'Ask about the tests');
    const seen = await new StreamReader(stream).until((e) => e.type === 'session.thread_status_idle', 15_000);
    stream.controller.abort();
    expect(typesOf(seen as StreamEvent[])).toEqual(['user.message', 'session.thread_status_running', 'span.model_request_start', 'agent.message', 'span.model_request_end', 'session.thread_status_idle']);
    const followUp = fake.requests.filter((r) => systemOf(r.body).includes('REVIEWER-SYSTEM')).at(-1)!.body as any;
    expect(JSON.stringify(followUp.messages)).toContain('LGTM: one nit on naming.');
    expect(JSON.stringify(followUp.messages)).toContain('And the tests?');
    await waitSettled(t.client, session.id);

    // An interrupt may name a thread of the session, and only one.
    expectEnvelope(
      await failure(t.client.beta.sessions.events.send(session.id, { events: [{ type: 'user.interrupt', session_thread_id: 'sthr_nope' }] })),
      400,
      'invalid_request_error',
    );
    await t.client.beta.sessions.events.send(session.id, { events: [{ type: 'user.interrupt', session_thread_id: threadId }] });
    await t.client.beta.sessions.events.send(session.id, { events: [{ type: 'user.interrupt', session_thread_id: primary.id }] });
    const interrupts = (await t.client.beta.sessions.events.list(session.id, { types: ['user.interrupt'] } as never)).data;
    expect(interrupts).toHaveLength(1); // the thread's interrupt is on its own stream
    // Nothing is under way: both are only stamped processed.
    for (const list of [() => t.client.beta.sessions.events.list(session.id), () => t.client.beta.sessions.threads.events.list(threadId, { session_id: session.id })]) {
      const deadline = Date.now() + 10_000;
      while ((await list()).data.some((e) => e.type === 'user.interrupt' && e.processed_at === null) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect((await list()).data.filter((e) => e.type === 'user.interrupt').every((e) => e.processed_at !== null)).toBe(true);
    }

    // Archive: a child thread only.
    const archived = await t.client.beta.sessions.threads.archive(threadId, { session_id: session.id });
    expect(archived).toMatchObject({ status: 'terminated', archived_at: expect.any(String) });
    expectEnvelope(await failure(t.client.beta.sessions.threads.archive(primary.id, { session_id: session.id })), 400, 'invalid_request_error');
    expectEnvelope(await failure(t.client.beta.sessions.threads.retrieve('sthr_missing', { session_id: session.id })), 404, 'not_found_error');
  });

  it('runs 25 threads at the same time from one response, each answering its call', async () => {
    const { session } = await coordinatorSession();
    const calls = Array.from({ length: 25 }, (_, i) => call('Reviewer', `Review part ${i}`));
    fake.enqueue({ content: calls });
    // Each reviewer answer is held until all 25 requests have arrived (or 30 s pass, generous for a
    // loaded machine): only threads whose model calls overlap get there.
    let arrived = 0;
    let open = 0;
    let mostOpen = 0;
    fake.setResponder(async (req) => {
      const body = req.body as any;
      if (systemOf(body).includes('REVIEWER-SYSTEM')) {
        arrived++;
        mostOpen = Math.max(mostOpen, ++open);
        const deadline = Date.now() + 30_000;
        while (arrived < 25 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        open--;
        const part = /Review part (\d+)/.exec(JSON.stringify(body.messages))![1];
        return say(`part ${part} ok`);
      }
      return say('All 25 parts reviewed.');
    });
    try {
      const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'Review all parts'), undefined, 100_000);
      expect(events.filter((e) => e.type === 'session.thread_created')).toHaveLength(25);
      const received = events.filter((e) => e.type === 'agent.thread_message_received') as any[];
      expect(received.map((e) => /part (\d+) ok/.exec(e.content[0].text)![1]).sort((a, b) => Number(a) - Number(b))).toEqual(
        Array.from({ length: 25 }, (_, i) => String(i)),
      );
      expect(events.filter((e) => e.type === 'agent.tool_result').every((e: any) => e.is_error === false)).toBe(true);
      expect(events.some((e) => e.type === 'session.error')).toBe(false);
      expect(mostOpen).toBe(25);
      expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
      const threads = (await t.client.beta.sessions.threads.list(session.id)).data;
      expect(threads).toHaveLength(26);
      expect(threads.filter((x) => x.parent_thread_id !== null).every((x) => x.status === 'idle')).toBe(true);
    } finally {
      fake.setResponder(undefined);
    }
  });

  it('a confirmation inside a child thread reaches the client on the session stream and routes back', async () => {
    const { session } = await coordinatorSession({
      tools: [{ type: 'agent_toolset_20260401', default_config: { enabled: false }, configs: [{ name: 'read', enabled: true, permission_policy: { type: 'always_ask' } }] }],
    });
    fake.enqueue(
      { content: [call('Reviewer', 'Read /etc/hostname')] },
      { content: [{ type: 'tool_use', name: 'read', input: { file_path: '/etc/hostname' } }] },
      say('Read it.'),
      say('The reviewer read the file.'),
    );
    const first = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'Have it read a file'), (e) => e.type === 'session.status_idle');
    const use = first.find((e) => e.type === 'agent.tool_use' && (e as any).name === 'read') as any;
    expect(use).toMatchObject({ evaluated_permission: 'ask', session_thread_id: expect.stringMatching(/^sthr_/) });
    expect(first.find((e) => e.type === 'session.thread_status_idle')).toMatchObject({ stop_reason: { type: 'requires_action', event_ids: [use.id] } });
    expect(first.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'requires_action', event_ids: [use.id] } });
    expect((await t.client.beta.sessions.retrieve(session.id)).status).toBe('idle');

    const rest0 = await streamWhile(t.client, session.id, () =>
      t.client.beta.sessions.events.send(session.id, {
        events: [{ type: 'user.tool_confirmation', tool_use_id: use.id, result: 'allow', session_thread_id: use.session_thread_id } as never],
      }),
    );
    const rest = rest0;
    expect(typesOf(rest)).toContain('session.status_running');
    expect(rest.find((e) => e.type === 'agent.thread_message_received')).toMatchObject({ content: [{ type: 'text', text: expect.stringContaining('Read it.') }] });
    expect(rest.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    const own = (await t.client.beta.sessions.threads.events.list(use.session_thread_id, { session_id: session.id })).data;
    expect(own.filter((e) => e.type === 'agent.tool_result')).toHaveLength(1);
  });

  it('a failing child is reported to the coordinator; an interrupt stops every running thread', async () => {
    const { session } = await coordinatorSession();
    fake.enqueue(
      { content: [call('Reviewer', 'Review it')] },
      { error: { status: 400, message: 'prompt is too long' } },
      say('The reviewer failed; I will do it myself.'),
    );
    const events = await streamWhile(t.client, session.id, () => sendText(t.client, session.id, 'Review'));
    expect(events.find((e) => e.type === 'session.thread_status_idle')).toMatchObject({ stop_reason: { type: 'retries_exhausted' } });
    expect(events.find((e) => e.type === 'agent.tool_result')).toMatchObject({ is_error: true });
    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });

    fake.enqueue({ content: [call('Reviewer', 'A'), call('Reviewer', 'B')] }, { ...say('slow A'), chunkDelayMs: 400 }, { ...say('slow B'), chunkDelayMs: 400 });
    const stream = await t.client.beta.sessions.events.stream(session.id);
    await sendText(t.client, session.id, 'Two reviews');
    const seen: StreamEvent[] = [];
    let interrupted = false;
    for await (const e of stream) {
      seen.push(e);
      if (e.type === 'session.thread_status_running' && !interrupted) {
        interrupted = true;
        await t.client.beta.sessions.events.send(session.id, { events: [{ type: 'user.interrupt' }] });
      }
      if (e.type === 'session.status_idle') break;
    }
    expect(seen.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    const threads = (await t.client.beta.sessions.threads.list(session.id)).data;
    expect(threads.every((x) => x.status === 'idle')).toBe(true);
    expect((await t.client.beta.sessions.retrieve(session.id)).status).toBe('idle');
  });

  it('refuses multi-agent configurations it does not run, naming the field', async () => {
    const err = await failure(
      t.client.beta.agents.create({ name: 'x', model: 'claude-opus-4-8', multiagent: { type: 'multiagent_20261001', advisor: { type: 'enabled', model: 'claude-opus-4-8' } } as never }),
    );
    expectEnvelope(err, 400, 'invalid_request_error');
    expect(err.message).toContain('multiagent.type');
    const advisor = await failure(
      t.client.beta.agents.create({ name: 'y', model: 'claude-opus-4-8', multiagent: { type: 'coordinator', agents: [{ type: 'advisor', model: 'claude-opus-4-8' }] } as never }),
    );
    expect(advisor.message).toContain('multiagent.agents[0]');
  });
});

// SIGKILL the real server mid-turn and mid-tool, restart it on the same data: no client event is
// lost, the session converges to idle, a recorded tool never runs again, and a tool cut off
// mid-flight is reported to the model instead of being re-run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useFakeAnthropic } from '../helpers/use.js';
import { spawnAgentd, freePort, waitForHealth, type AgentdProcess } from '../helpers/agentd-process.js';
import { createPostgresDatabase, dialects } from '../helpers/databases.js';
import { StreamReader } from '../helpers/stream.js';
import { isTerminal, sendText, type StreamEvent } from '../helpers/turns.js';
import { startMcpServer, type TestMcpServer } from '../helpers/mcp-server.js';

const KEY = 'sk-crash-test';

describe.each(dialects())('crash safety (%s)', (dialect) => {
  const fake = useFakeAnthropic();
  let dataDir: string;
  let databaseUrl: string | undefined;
  let dropDb: (() => Promise<void>) | undefined;
  let port: number;
  let proc: AgentdProcess | undefined;
  let client: Anthropic;

  const start = async () => {
    const args = ['--port', String(port), '--data-dir', dataDir, ...(databaseUrl ? ['--database-url', databaseUrl] : [])];
    proc = spawnAgentd(args, {
      AGENTD_API_KEY: KEY,
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_API_KEY: 'sk-model',
      AGENTD_RETRY_BASE_MS: '20',
      AGENTD_WORKSPACES_DIR: path.join(dataDir, 'ws'),
      // The MCP server of the mid-MCP-call test is on loopback.
      AGENTD_MCP_ALLOW_PRIVATE: 'true',
    });
    await waitForHealth(`http://127.0.0.1:${port}`);
  };
  const kill = async () => {
    proc!.child.kill('SIGKILL');
    await proc!.exited;
    proc = undefined;
  };

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-crash-'));
    if (dialect === 'postgres') {
      const db = await createPostgresDatabase();
      databaseUrl = db.url;
      dropDb = db.drop;
    }
    port = await freePort();
    client = new Anthropic({ baseURL: `http://127.0.0.1:${port}`, apiKey: KEY, maxRetries: 3 });
    await start();
  });
  afterEach(async () => {
    if (!proc) await start();
  });
  afterAll(async () => {
    proc?.child.kill('SIGKILL');
    await dropDb?.();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function newSession() {
    const agent = await client.beta.agents.create({ name: `crash-${Date.now()}`, model: 'claude-sonnet-4-6', tools: [{ type: 'agent_toolset_20260401' }] });
    const env = await client.beta.environments.create({ name: `crash-env-${Date.now()}-${Math.random()}` });
    return client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
  }

  /** Reads the session's log until it is idle with a terminal stop reason (across restarts). */
  async function settle(sessionId: string): Promise<StreamEvent[]> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const events = (await client.beta.sessions.events.list(sessionId)).data as StreamEvent[];
      const last = events.at(-1);
      if (last && isTerminal(last)) {
        if (process.env.DEBUG_CRASH) console.log(events.map((e) => `${e.type}${'is_error' in e ? ':' + e.is_error : ''}${e.type === 'session.error' ? JSON.stringify(e.error) : ''}`).join('\n'));
        return events;
      }
      if (Date.now() > deadline) throw new Error(`session never settled: ${events.map((e) => e.type).join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('SIGKILL mid-turn: the request is re-issued after restart and the turn completes', async () => {
    const session = await newSession();
    const workspace = path.join(dataDir, 'ws', session.id, 'workspace');
    fake.enqueue(
      { content: [{ type: 'tool_use', name: 'bash', input: { command: 'echo run >> count.txt' } }] },
      { content: [{ type: 'text', text: 'slow '.repeat(400) }], chunkDelayMs: 50 },
    );
    const stream = await client.beta.sessions.events.stream(session.id);
    const reader = new StreamReader(stream);
    const seen = fake.requests.length;
    await sendText(client, session.id, 'count once');
    await reader.until((e) => e.type === 'agent.tool_result');
    await reader.until((e) => e.type === 'span.model_request_start');
    // Killed while the slow answer streams: the second request has reached the upstream.
    await fake.waitForRequests(seen + 2);
    await kill();

    fake.enqueue({ content: [{ type: 'text', text: 'Finished after the restart.' }] });
    await start();
    const events = await settle(session.id);
    expect(events.filter((e) => e.type === 'user.message')).toHaveLength(1);
    expect(events.every((e) => e.type !== 'user.message' || e.processed_at !== null)).toBe(true);
    expect(events.find((e) => e.type === 'agent.message')).toMatchObject({ content: [{ text: 'Finished after the restart.' }] });
    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    // Every span that started has ended (the cut-off one as an error).
    const starts = events.filter((e) => e.type === 'span.model_request_start').map((e) => e.id);
    const ended = events.filter((e) => e.type === 'span.model_request_end').map((e) => (e as { model_request_start_id: string }).model_request_start_id);
    expect(ended.sort()).toEqual(starts.sort());
    // The recorded tool call ran exactly once.
    expect(fs.readFileSync(path.join(workspace, 'count.txt'), 'utf8')).toBe('run\n');
    expect((await client.beta.sessions.retrieve(session.id)).status).toBe('idle');
  });

  it('SIGKILL mid-tool: the cut-off call is reported to the model, never re-run', async () => {
    const session = await newSession();
    const workspace = path.join(dataDir, 'ws', session.id, 'workspace');
    fake.enqueue({ content: [{ type: 'tool_use', id: 'toolu_slow', name: 'bash', input: { command: 'echo started >> ran.txt; sleep 2' } }] });
    const stream = await client.beta.sessions.events.stream(session.id);
    const reader = new StreamReader(stream);
    await sendText(client, session.id, 'run the slow thing');
    await reader.until((e) => e.type === 'agent.tool_use');
    const deadline = Date.now() + 5000;
    while (!fs.existsSync(path.join(workspace, 'ran.txt')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await kill();

    fake.enqueue({ content: [{ type: 'text', text: 'I see it was interrupted.' }] });
    await start();
    const events = await settle(session.id);
    const result = events.find((e) => e.type === 'agent.tool_result')!;
    expect(result).toMatchObject({ is_error: true });
    expect(JSON.stringify(result)).toContain('not');
    const replay = (fake.requests.at(-1)!.body as Record<string, any>).messages.at(-1).content[0];
    expect(replay).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_slow', is_error: true });
    // Re-running the call would have appended to ran.txt before the session settled.
    expect(fs.readFileSync(path.join(workspace, 'ran.txt'), 'utf8')).toBe('started\n');
    expect(events.at(-1)).toMatchObject({ stop_reason: { type: 'end_turn' } });
  });

  it('SIGKILL with queued input: nothing the client sent is lost', async () => {
    const session = await newSession();
    fake.enqueue({ content: [{ type: 'text', text: 'slow '.repeat(400) }], chunkDelayMs: 50 });
    await sendText(client, session.id, 'first');
    await fake.waitForRequests(fake.requests.length + 1).catch(() => {});
    await sendText(client, session.id, 'second', 'third');
    await kill();
    fake.setResponder(() => ({ content: [{ type: 'text', text: 'caught up' }] }));
    await start();
    const events = await settle(session.id);
    fake.setResponder(undefined);
    const messages = events.filter((e) => e.type === 'user.message');
    expect(messages.map((e) => JSON.stringify(e)).join('')).toMatch(/first.*second.*third/);
    expect(messages.every((e) => e.processed_at !== null)).toBe(true);
    const seen = JSON.stringify((fake.requests.at(-1)!.body as Record<string, any>).messages);
    for (const text of ['first', 'second', 'third']) expect(seen).toContain(text);
  });
  it('SIGKILL mid-delegation: every thread resumes after restart and no recorded tool runs twice', async () => {
    const reviewer = await client.beta.agents.create({ name: 'Reviewer', model: 'claude-sonnet-4-6', system: 'CHILD', tools: [{ type: 'agent_toolset_20260401' }] });
    const coordinator = await client.beta.agents.create({
      name: `coord-${Date.now()}`,
      model: 'claude-sonnet-4-6',
      system: 'COORD',
      multiagent: { type: 'coordinator', agents: [reviewer.id] },
    });
    const env = await client.beta.environments.create({ name: `crash-env-${Date.now()}-${Math.random()}` });
    const session = await client.beta.sessions.create({ agent: coordinator.id, environment_id: env.id });
    const workspace = path.join(dataDir, 'ws', session.id, 'workspace');
    let slow = true;
    fake.setResponder((req) => {
      const body = req.body as Record<string, any>;
      const text = JSON.stringify(body.messages);
      if (JSON.stringify(body.system).includes('COORD')) {
        if ((text.match(/thread_id: sthr_/g) ?? []).length >= 2) return { content: [{ type: 'text', text: 'Both reviews are in.' }] };
        return {
          content: ['A', 'B'].map((part) => ({ type: 'tool_use' as const, name: 'call_agent', input: { agent: 'Reviewer', message: `task ${part}` } })),
        };
      }
      const part = /task ([AB])/.exec(text)![1]!;
      if (!text.includes('tool_result')) return { content: [{ type: 'tool_use', name: 'bash', input: { command: `echo ${part} >> count-${part}.txt` } }] };
      return slow ? { content: [{ type: 'text', text: `review ${part} `.repeat(300) }], chunkDelayMs: 50 } : { content: [{ type: 'text', text: `review ${part} done` }] };
    });
    try {
      await sendText(client, session.id, 'review both');
      const deadline = Date.now() + 10_000;
      const ran = (part: string) => fs.existsSync(path.join(workspace, `count-${part}.txt`));
      // Killed once both threads (running side by side) have run their tool and stream their next answer.
      while (!(ran('A') && ran('B')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(ran('A') && ran('B')).toBe(true);
      await new Promise((r) => setTimeout(r, 300));
      await kill();

      slow = false;
      await start();
      const events = await settle(session.id);
      expect(events.filter((e) => e.type === 'agent.thread_message_received')).toHaveLength(2);
      expect(events.find((e) => e.type === 'agent.message')).toMatchObject({ content: [{ text: 'Both reviews are in.' }] });
      expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
      // Each thread's recorded tool ran exactly once.
      expect(fs.readFileSync(path.join(workspace, 'count-A.txt'), 'utf8')).toBe('A\n');
      expect(fs.readFileSync(path.join(workspace, 'count-B.txt'), 'utf8')).toBe('B\n');
      const threads = (await client.beta.sessions.threads.list(session.id)).data;
      expect(threads).toHaveLength(3);
      expect(threads.every((x) => x.status === 'idle')).toBe(true);
      for (const thread of threads.filter((x) => x.parent_thread_id !== null)) {
        const own = (await client.beta.sessions.threads.events.list(thread.id, { session_id: session.id })).data;
        const starts = own.filter((e) => e.type === 'span.model_request_start').map((e) => e.id);
        const ended = own.filter((e) => e.type === 'span.model_request_end').map((e) => (e as { model_request_start_id: string }).model_request_start_id);
        expect(ended.sort()).toEqual(starts.sort());
        expect(own.filter((e) => e.type === 'agent.tool_result')).toHaveLength(1);
      }
    } finally {
      fake.setResponder(undefined);
    }
  });

  it('SIGKILL mid-MCP-call: the cut-off call is reported to the model, never sent again', async () => {
    const mcp: TestMcpServer = await startMcpServer({ tokens: ['crash-bearer'] });
    try {
      const vault = await client.beta.vaults.create({ display_name: 'crash' });
      await client.beta.vaults.credentials.create(vault.id, { auth: { type: 'static_bearer', token: 'crash-bearer', mcp_server_url: mcp.url } });
      const agent = await client.beta.agents.create({
        name: `crash-mcp-${Date.now()}`,
        model: 'claude-sonnet-4-6',
        mcp_servers: [{ type: 'url', name: 'calc', url: mcp.url }],
        tools: [{ type: 'mcp_toolset', mcp_server_name: 'calc', default_config: { permission_policy: { type: 'always_allow' } } }],
      });
      const env = await client.beta.environments.create({ name: `crash-mcp-env-${Date.now()}-${Math.random()}` });
      const session = await client.beta.sessions.create({ agent: agent.id, environment_id: env.id, vault_ids: [vault.id] });
      fake.enqueue({ content: [{ type: 'tool_use', id: 'toolu_mcp_slow', name: 'mcp__calc__block', input: {} }] });
      const blocked = mcp.blocked();
      await sendText(client, session.id, 'block');
      await blocked;
      await kill();
      mcp.release();

      fake.enqueue({ content: [{ type: 'text', text: 'It was cut off.' }] });
      await start();
      const events = await settle(session.id);
      const result = events.find((e) => e.type === 'agent.mcp_tool_result')!;
      expect(result).toMatchObject({ is_error: true });
      expect(JSON.stringify(result)).toContain('cut off by a server restart');
      expect(mcp.calls.filter((c) => c.tool === 'block')).toHaveLength(1);
      expect(events.at(-1)).toMatchObject({ stop_reason: { type: 'end_turn' } });
    } finally {
      await mcp.close();
    }
  });
});

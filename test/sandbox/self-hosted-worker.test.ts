// The SDK's own EnvironmentWorker, run as a separate Node 22 process the way users run it, serving
// a self_hosted environment of a real agentd: its key comes from `agentd environments key`, the
// agent's write/bash/read calls run in the worker's workdir, and a worker killed mid-call is
// replaced by another that finishes the session.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { dialects } from '../helpers/databases.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { keyFromCli, killGroup, textOf, toolResults, until, useWorkers } from '../helpers/self-hosted.js';
import { sendText, waitSettled, type StreamEvent } from '../helpers/turns.js';

describe.each(dialects())('the SDK EnvironmentWorker against agentd (%s)', (dialect) => {
  const workers = useWorkers();
  const fake = useFakeAnthropic();
  // A short lease, so a killed worker's item is reclaimed within seconds.
  const t = useServer(dialect, () => ({ model: fake, env: { AGENTD_WORK_LEASE_TTL_SECONDS: '2' } }));

  it('runs write/bash/read in the worker workdir; after a SIGKILL mid-call another worker completes the session', async () => {
    const env = await createEnvironment(t.client, { config: { type: 'self_hosted' } });
    const agent = await createAgent(t.client, { tools: [{ type: 'agent_toolset_20260401' }] });
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: env.id });
    const key = await keyFromCli(t.url, env.id);

    const { worker: a, workdir: dirA } = workers.start(t.url, env.id, key);
    fake.enqueue(
      { content: [{ type: 'tool_use', name: 'write', input: { file_path: 'hello.txt', content: 'hello from the worker\n' } }] },
      { content: [{ type: 'tool_use', name: 'bash', input: { command: 'cat hello.txt && pwd' } }] },
      { content: [{ type: 'tool_use', name: 'read', input: { file_path: 'hello.txt' } }] },
      { content: [{ type: 'text', text: 'Wrote, showed and read hello.txt.' }] },
    );
    await sendText(t.client, session.id, 'Write hello.txt, show it with bash, then read it back.');
    const first = await waitSettled(t.client, session.id, 60_000);

    expect(first.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    expect(fs.readFileSync(path.join(dirA, 'hello.txt'), 'utf8')).toBe('hello from the worker\n');
    const results = toolResults(first);
    expect(results.map((r) => r.is_error)).toEqual([false, false, false]);
    expect(textOf(results[1]!)).toContain('hello from the worker');
    expect(textOf(results[1]!)).toContain(dirA);
    expect(textOf(results[2]!)).toContain('hello from the worker');
    // The model saw the worker's results.
    const lastRequest = fake.requests.at(-1)!.body as { messages: Array<{ content: Array<{ type: string }> }> };
    expect(lastRequest.messages.at(-1)!.content[0]).toMatchObject({ type: 'tool_result' });
    // The worker holds the session's one work item (it stays attached until it idles out).
    const items = (await t.client.beta.environments.work.list(env.id)).data;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ data: { type: 'session', id: session.id }, state: 'active', secret: null });

    // Second turn: a slow command, and the worker dies while running it.
    fake.enqueue(
      { content: [{ type: 'tool_use', name: 'bash', input: { command: 'sleep 4 && echo slept > slept.txt && echo slept' } }] },
      { content: [{ type: 'text', text: 'Slept.' }] },
    );
    await sendText(t.client, session.id, 'Now sleep a little.');
    await until('the worker to start the slow bash call', async () => {
      const events = (await t.client.beta.sessions.events.list(session.id)).data as StreamEvent[];
      return events.filter((e) => e.type === 'agent.tool_use').length === 4 ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 1000));
    killGroup(a, 'SIGKILL');
    await a.exited;

    const { worker: b, workdir: dirB } = workers.start(t.url, env.id, key);
    const second = await waitSettled(t.client, session.id, 90_000);

    expect(second.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    expect(fs.readFileSync(path.join(dirB, 'slept.txt'), 'utf8')).toBe('slept\n');
    const slowCall = second.filter((e) => e.type === 'agent.tool_use').at(-1)!;
    const answers = toolResults(second).filter((r) => r.tool_use_id === slowCall.id);
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ is_error: false });
    expect(textOf(answers[0]!)).toContain('slept');
    // Still one item for the session: the dead worker's lease lapsed and the same item was handed on.
    const after = (await t.client.beta.environments.work.list(env.id)).data;
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: items[0]!.id, state: 'active' });

    killGroup(b, 'SIGTERM');
    await b.exited;
  });
});

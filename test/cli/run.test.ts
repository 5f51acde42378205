// `agentd run` as a real process against a real server whose engine calls the scripted fake model.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { startTestServer, TEST_API_KEY } from '../helpers/server.js';
import { freePort } from '../helpers/agentd-process.js';
import { BIN, runCli, spawnCli, type CliProcess } from './run-cli.js';

const sessionIdIn = (stderr: string) => /session (sesn_\w+)/.exec(stderr)?.[1];

describe('agentd run', () => {
  const live: CliProcess[] = [];
  const args = (...rest: string[]) => ['run', '--url', t.url, '--api-key', TEST_API_KEY, ...rest];
  const fake = useFakeAnthropic();
  const t = useServer('sqlite', () => ({ model: fake }));

  beforeAll(async () => {
    expect(fs.existsSync(BIN), 'build first: npx tsc -p .').toBe(true);
  });
  afterEach(async () => {
    for (const p of live.splice(0)) p.child.kill('SIGKILL');
    // A test that cut a model stream short must not leave it for the next one.
    await fake.waitForIdle(10_000);
    expect(fake.remaining, 'every scripted model turn was used').toBe(0);
  });

  it('streams a tool call and the answer, exits 0, and reuses the default agent and environment', async () => {
    fake.enqueue(
      { content: [{ type: 'tool_use', name: 'write', input: { file_path: '/workspace/a.txt', content: 'hello world\n' } }] },
      { content: [{ type: 'text', text: 'I wrote a.txt for you.' }], usage: { input_tokens: 1200, output_tokens: 34 } },
    );
    const first = await runCli(args('Write hello world to a.txt'));
    expect(first.stderr).not.toContain('✗');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('▸ write /workspace/a.txt (12 bytes)');
    expect(first.stdout).toContain('I wrote a.txt for you.');
    expect(first.stdout.indexOf('▸ write')).toBeLessThan(first.stdout.indexOf('I wrote a.txt'));
    expect(first.stdout).toMatch(/tokens: [\d,]+ input · [\d,]+ output · \d+ cache read · \d+ cache write/);
    const sessionId = sessionIdIn(first.stderr)!;
    expect(fs.readFileSync(path.join(t.dataDir, 'workspaces', sessionId, 'workspace', 'a.txt'), 'utf8')).toBe('hello world\n');
    const session = await t.client.beta.sessions.retrieve(sessionId);
    expect(session.title).toBe('Write hello world to a.txt');
    expect(session.status).toBe('idle');

    fake.enqueue({ content: [{ type: 'text', text: 'Second answer.' }] });
    const second = await runCli(args('Say something else'));
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Second answer.');
    const agents = (await t.client.beta.agents.list()).data;
    const envs = (await t.client.beta.environments.list()).data;
    expect(agents.map((a) => [a.name, a.version])).toEqual([['agentd-default', 1]]);
    expect(envs.map((e) => e.name)).toEqual(['agentd-default']);
    const tools = (fake.requests.at(-1)!.body.tools ?? []).map((tool) => (tool as { name: string }).name);
    expect(tools).toEqual(['bash', 'read', 'write', 'edit', 'glob', 'grep', 'web_fetch', 'web_search']);

    // Different flags update the same agent (a new version), never a second agent.
    fake.enqueue({ content: [{ type: 'text', text: 'Third.' }] });
    const third = await runCli(args('--tools', 'bash,read', 'Narrow tools'));
    expect(third.code).toBe(0);
    const after = (await t.client.beta.agents.list()).data;
    expect(after.map((a) => [a.id, a.version])).toEqual([[agents[0]!.id, 2]]);
    expect((fake.requests.at(-1)!.body.tools ?? []).map((tool) => (tool as { name: string }).name)).toEqual(['bash', 'read']);
  });

  it('--json prints one parseable event per line', async () => {
    fake.enqueue({ content: [{ type: 'text', text: 'json answer' }] });
    const r = await runCli(args('--json', '--tools', 'bash,read', 'Answer in JSON mode'));
    expect(r.code).toBe(0);
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; id: string; content?: unknown });
    expect(events[0]).toMatchObject({ type: 'user.message' });
    expect(events.find((e) => e.type === 'agent.message')).toMatchObject({ content: [{ type: 'text', text: 'json answer' }] });
    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'end_turn' } });
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(r.stderr).toContain('tokens:'); // the summary stays off stdout
  });

  it('asks before an always_ask tool; without a terminal it denies and says so', async () => {
    fake.enqueue(
      { content: [{ type: 'tool_use', name: 'write', input: { file_path: '/workspace/denied.txt', content: 'x' } }] },
      (req) => {
        const last = req.conversation.at(-1)!.content as Array<{ type: string; is_error?: boolean }>;
        const result = last.find((b) => b.type === 'tool_result');
        return { content: [{ type: 'text', text: result?.is_error ? 'Permission was denied.' : 'It ran?!' }] };
      },
    );
    const r = await runCli(args('--tools', 'bash,read,write', '--ask', 'write', 'Write denied.txt'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('▸ write /workspace/denied.txt (1 byte)');
    expect(r.stderr).toContain('denied write /workspace/denied.txt (1 byte) (cannot ask: stdin is not a terminal)');
    expect(r.stdout).toContain('Permission was denied.');
    const sessionId = sessionIdIn(r.stderr)!;
    expect(fs.existsSync(path.join(t.dataDir, 'workspaces', sessionId, 'workspace', 'denied.txt'))).toBe(false);
  });

  it('exits 1 with the error message when the model keeps failing (400)', async () => {
    fake.enqueue({ error: { status: 400, message: 'prompt is too long: 300000 tokens > 200000 maximum' } });
    const r = await runCli(args('--tools', 'bash,read', 'Fail please'));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('prompt is too long: 300000 tokens > 200000 maximum');
  });

  it('Ctrl-C interrupts a slow model turn: exit 130, session idle', async () => {
    const slow = 'This answer streams very slowly, one small piece at a time. '.repeat(6);
    fake.enqueue({ content: [{ type: 'text', text: slow }], chunkDelayMs: 200 });
    const before = fake.requests.length;
    const p = spawnCli(args('--tools', 'bash,read', 'Take your time'));
    live.push(p);
    await fake.waitForRequests(before + 1, 15_000);
    p.child.kill('SIGINT');
    expect(await p.exited).toBe(130);
    expect(p.stderr()).toContain('interrupting');
    expect(p.stdout()).not.toContain('one small piece');
    const session = await t.client.beta.sessions.retrieve(sessionIdIn(p.stderr())!);
    expect(session.status).toBe('idle');
  });

  it('prints the agent message as it streams, and once', async () => {
    const text = 'Streaming answer, one fragment at a time, until the whole sentence is there.';
    fake.enqueue({ content: [{ type: 'text', text }], chunkDelayMs: 150 });
    const p = spawnCli(args('--tools', 'bash', 'Stream it'));
    live.push(p);
    // The first fragment is on stdout while the model is still streaming the rest.
    const deadline = Date.now() + 15_000;
    while (!p.stdout().includes('Streaming answer') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(p.stdout()).toContain('Streaming answer');
    expect(p.stdout()).not.toContain(text);
    expect(fake.inFlight).toBe(1);
    expect(await p.exited).toBe(0);
    expect(p.stdout().split(text).length - 1).toBe(1);
    expect(p.stdout()).toContain(`${text}\n`);
  });

  it('reconnects without loss or duplicates when the server restarts mid-turn', async () => {
    fake.enqueue(
      { content: [{ type: 'text', text: 'cut off by the restart' }], chunkDelayMs: 300 },
      { content: [{ type: 'text', text: 'Answer after restart.' }] },
    );
    const before = fake.requests.length;
    const p = spawnCli(args('--tools', 'bash,read', 'Survive a restart'));
    live.push(p);
    await fake.waitForRequests(before + 1, 15_000);
    await t.restart();
    expect(await p.exited).toBe(0);
    expect(p.stderr()).toContain('reconnecting');
    expect(p.stdout().split('Answer after restart.').length - 1).toBe(1);
  });

  it('prints the server’s explanation when it has no model credentials', async () => {
    const bare = await startTestServer('sqlite', { model: fake, env: { ANTHROPIC_API_KEY: '', ANTHROPIC_BASE_URL: '' } });
    try {
      const r = await runCli(['run', '--url', bare.url, '--api-key', TEST_API_KEY, 'Hello']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/no model credentials: start agentd with ANTHROPIC_API_KEY/);
    } finally {
      await bare.close();
    }
  });

  it('explains an unreachable server, a wrong key, and bad usage', async () => {
    const port = await freePort(); // nothing listens there
    const down = await runCli(['run', '--url', `http://127.0.0.1:${port}`, '--api-key', 'k', 'Hello']);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`cannot reach agentd at http://127.0.0.1:${port}: start it with \`npx agentd serve\``);

    const wrong = await runCli(['run', '--url', t.url, '--api-key', 'wrong-key', 'Hello']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('401: wrong API key');

    // No flag or variable: the key file of `agentd serve`'s default data dir is read.
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-cli-'));
    fs.mkdirSync(path.join(cwd, '.agentd'));
    fs.writeFileSync(path.join(cwd, '.agentd', 'api-key'), 'stale-key\n');
    const stale = await runCli(['run', '--url', t.url, 'Hello'], { cwd });
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain(`the key in ${fs.realpathSync(cwd)}/.agentd/api-key was rejected`);
    fs.rmSync(cwd, { recursive: true, force: true });

    const usage = await runCli(['run', '--tools', 'bash,teleport', 'Hello']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('unknown tool "teleport"');
    expect((await runCli(['run'])).code).toBe(2);
  });
});

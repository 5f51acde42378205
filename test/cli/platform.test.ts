// The platform commands (`agentd <resource> <verb>`, sessions tail/send/interrupt/confirm, files
// download, run --out) as real processes against a real server whose engine calls the fake model:
// human and --json output, and exit codes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { TEST_API_KEY } from '../helpers/server.js';
import { skillMd } from '../helpers/skills.js';
import { waitSettled } from '../helpers/turns.js';
import { runCli, spawnCli, type CliProcess } from './run-cli.js';

async function until(p: CliProcess, text: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!p.stdout().includes(text)) {
    if (Date.now() > deadline || p.child.exitCode !== null) throw new Error(`never printed "${text}"\nstdout:\n${p.stdout()}\nstderr:\n${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

describe('agentd platform commands', () => {
  const fake = useFakeAnthropic();
  const t = useServer('sqlite', () => ({ model: fake }));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-platform-'));
  const live: CliProcess[] = [];
  const env = () => ({ AGENTD_URL: t.url, AGENTD_API_KEY: TEST_API_KEY });
  const cli = (...args: string[]) => runCli(args, { env: env(), timeoutMs: 30_000 });
  const cliJson = async <T = Record<string, unknown>>(...args: string[]): Promise<T> => {
    const r = await cli(...args, '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  afterEach(async () => {
    for (const p of live.splice(0)) p.child.kill('SIGKILL');
    await fake.waitForIdle(10_000);
    expect(fake.remaining, 'every scripted model turn was used').toBe(0);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('environments: create, list, get, archive, delete — tables for people, JSON for scripts', async () => {
    const created = await cli('environments', 'create', '--data', '{"name": "cli-env", "config": {"type": "cloud"}}');
    expect(created.code).toBe(0);
    const id = /created environment (env_\w+)/.exec(created.stdout)?.[1];
    expect(id).toBeDefined();

    const list = await cli('environments', 'list');
    expect(list.code).toBe(0);
    const [header, ...rows] = list.stdout.trim().split('\n');
    expect(header).toMatch(/^ID\s+NAME\s+TYPE\s+CREATED\s+ARCHIVED$/);
    expect(rows.find((r) => r.startsWith(id!))).toMatch(new RegExp(`^${id}\\s+cli-env\\s+cloud\\s+\\S+\\s+-$`));
    const listed = await cliJson<{ data: { id: string }[] }>('environments', 'list');
    expect(listed.data.map((e) => e.id)).toContain(id);

    const got = await cli('environments', 'get', id!);
    expect(got.code).toBe(0);
    expect(got.stdout).toMatch(/^name\s+cli-env$/m);
    expect(await cliJson('environments', 'get', id!)).toMatchObject({ id, name: 'cli-env', type: 'environment' });

    expect((await cli('environments', 'archive', id!)).stdout).toBe(`archived environment ${id}\n`);
    expect((await cliJson('environments', 'get', id!)).archived_at).toEqual(expect.any(String));
    expect((await cli('environments', 'delete', id!)).stdout).toBe(`deleted environment ${id}\n`);

    // Not found: exit 3 with the server's envelope (type, message, request id) on stderr.
    const missing = await cli('environments', 'get', id!);
    expect(missing.code).toBe(3);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toMatch(new RegExp(`^agentd environments: 404 not_found_error: .*${id}.* \\(request req_\\w+\\)\\n$`));
    // Refused input: exit 1, the envelope's message.
    const bad = await cli('environments', 'create', '--data', '{"name": ""}');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^agentd environments: 400 invalid_request_error: .*name/);
  });

  it('usage errors exit 2 before anything is sent; a wrong key is explained', async () => {
    const verb = await cli('agents', 'delete', 'agent_x');
    expect(verb.code).toBe(2);
    expect(verb.stderr).toContain('agentd agents has no "delete" (it has: list, get, create, update, archive)');
    const noBody = await cli('agents', 'create');
    expect(noBody.code).toBe(2);
    expect(noBody.stderr).toContain('missing the body');
    const flag = await cli('sessions', 'list', '--nope');
    expect(flag.code).toBe(2);
    const help = await cli('sessions', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('sessions tail <id>');
    const noKey = await runCli(['agents', 'list'], { env: { AGENTD_URL: t.url } });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('no API key for agentd');
    const wrongKey = await runCli(['agents', 'list'], { env: { AGENTD_URL: t.url, AGENTD_API_KEY: 'sk-wrong' } });
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/401 authentication_error: .*check --api-key/);
    expect(wrongKey.stderr).not.toContain('sk-wrong');
    const down = await runCli(['agents', 'list'], { env: { AGENTD_URL: 'http://127.0.0.1:9', AGENTD_API_KEY: TEST_API_KEY } });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('cannot reach agentd at http://127.0.0.1:9');
  });

  it('agents from YAML: create, update (a new version), list, archive', async () => {
    const file = path.join(dir, 'agent.yaml');
    fs.writeFileSync(file, 'name: cli-agent\nmodel: claude-sonnet-4-6\nsystem: Be brief.\n');
    const created = await cli('agents', 'create', '-f', file);
    expect(created.code).toBe(0);
    const id = /created agent (agent_\w+) \(version 1\)/.exec(created.stdout)?.[1];
    expect(id).toBeDefined();
    fs.writeFileSync(file, 'system: Be very brief.\n');
    const updated = await cli('agents', 'update', id!, '-f', file);
    expect(updated.stdout).toBe(`updated agent ${id} (version 2)\n`);
    const list = await cli('agents', 'list');
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+cli-agent\\s+2\\s+claude-sonnet-4-6`));
    expect(await cliJson('agents', 'get', id!)).toMatchObject({ system: 'Be very brief.', version: 2 });
    expect((await cli('agents', 'archive', id!)).code).toBe(0);
  });

  it('files: upload, list, get, download, delete', async () => {
    const src = path.join(dir, 'notes.txt');
    fs.writeFileSync(src, 'some notes\n');
    const up = await cliJson<{ id: string; filename: string }>('files', 'create', src);
    expect(up.filename).toBe('notes.txt');
    expect((await cli('files', 'list')).stdout).toMatch(new RegExp(`${up.id}\\s+notes.txt\\s+11\\s+text/plain`));
    expect((await cli('files', 'get', up.id)).stdout).toMatch(/^size_bytes\s+11$/m);
    const cwd = fs.mkdtempSync(path.join(dir, 'dl-'));
    const dl = await runCli(['files', 'download', up.id], { env: env(), cwd });
    expect(dl.stdout).toBe('wrote 11 bytes to notes.txt\n');
    expect(fs.readFileSync(path.join(cwd, 'notes.txt'), 'utf8')).toBe('some notes\n');
    const to = path.join(dir, 'copy.txt');
    expect((await cli('files', 'download', up.id, '-o', to)).code).toBe(0);
    expect(fs.readFileSync(to, 'utf8')).toBe('some notes\n');
    expect((await cli('files', 'delete', up.id)).stdout).toBe(`deleted file ${up.id}\n`);
    expect((await cli('files', 'download', up.id, '-o', to)).code).toBe(3);
  });

  it('skills from a directory and memory stores', async () => {
    const skillDir = path.join(dir, 'cli-skill');
    fs.mkdirSync(path.join(skillDir, 'scripts'), { recursive: true });
    fs.writeFileSync(path.join(skillDir, 'SKILL.md'), skillMd('cli-skill', 'Use when testing the CLI.'));
    fs.writeFileSync(path.join(skillDir, 'scripts', 'run.sh'), 'echo hi\n');
    const skill = await cliJson<{ id: string; display_name: string }>('skills', 'create', skillDir);
    expect(skill.display_name).toBe('cli-skill');
    expect((await cli('skills', 'list')).stdout).toMatch(new RegExp(`${skill.id}\\s+cli-skill`));
    expect((await cli('skills', 'delete', skill.id)).code).toBe(0);

    const store = await cliJson<{ id: string }>('memory-stores', 'create', '--data', '{"name": "cli-notes", "description": "notes"}');
    expect((await cli('memory-stores', 'list')).stdout).toMatch(new RegExp(`${store.id}\\s+cli-notes\\s+notes`));
    expect((await cli('memory-stores', 'archive', store.id)).code).toBe(0);
    expect((await cli('memory-stores', 'delete', store.id)).code).toBe(0);
  });

  it('sessions: create, send, tail --until-idle, confirm, interrupt, list', async () => {
    const agent = await t.client.beta.agents.create({
      name: 'cli-sessions-agent',
      model: 'claude-sonnet-4-6',
      tools: [{ type: 'agent_toolset_20260401', default_config: { permission_policy: { type: 'always_ask' } }, configs: [{ name: 'web_search', enabled: false }] }],
    });
    const environment = await t.client.beta.environments.create({ name: 'cli-sessions-env' });
    const session = await cliJson<{ id: string }>('sessions', 'create', '--data', JSON.stringify({ agent: agent.id, environment_id: environment.id, title: 'cli session' }));

    fake.enqueue({ content: [{ type: 'tool_use', name: 'bash', input: { command: 'echo confirmed' } }] }, { content: [{ type: 'text', text: 'Ran it.' }] });
    const sent = await cli('sessions', 'send', session.id, 'Run', 'echo');
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/^sent sevt_\w+\n$/);
    // The call waits for a confirmation.
    const waiting = await cli('sessions', 'tail', session.id, '--json', '--until-idle');
    expect(waiting.code).toBe(0);
    const events = waiting.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; id: string; stop_reason?: { type: string } });
    const toolUse = events.find((e) => e.type === 'agent.tool_use');
    expect(toolUse).toBeDefined();
    expect(events.at(-1)).toMatchObject({ type: 'session.status_idle', stop_reason: { type: 'requires_action' } });
    const confirmed = await cli('sessions', 'confirm', session.id, toolUse!.id);
    expect(confirmed.stdout).toBe(`allowed ${toolUse!.id}\n`);
    await waitSettled(t.client, session.id, 30_000);

    const tail = await cli('sessions', 'tail', session.id, '--until-idle');
    expect(tail.code).toBe(0);
    expect(tail.stdout).toContain('> Run echo');
    expect(tail.stdout).toContain('▸ bash: echo confirmed');
    expect(tail.stdout).toContain('  confirmed');
    expect(tail.stdout).toContain('Ran it.');
    // A usage line after each model call: the session's running totals.
    expect(tail.stdout).toMatch(/^· tokens: [\d,]+ input · [\d,]+ output · [\d,]+ cache read · [\d,]+ cache write · list cost \$\d+\.\d\d$/m);
    expect(tail.stdout.trim().split('\n').at(-1)).toBe('· idle (end_turn)');

    const interrupted = await cli('sessions', 'interrupt', session.id);
    expect(interrupted.code).toBe(0);
    expect(interrupted.stdout).toMatch(/^interrupt sent \(sevt_\w+\)\n$/);
    const list = await cli('sessions', 'list', '--agent-id', agent.id);
    expect(list.stdout).toMatch(new RegExp(`${session.id}\\s+idle\\s+cli session\\s+cli-sessions-agent`));
    expect((await cli('sessions', 'archive', session.id)).stdout).toBe(`archived session ${session.id}\n`);
  });

  it('sessions tail follows live events and resumes after the server restarts, printing nothing twice', async () => {
    const agent = await t.client.beta.agents.create({ name: 'cli-tail-agent', model: 'claude-sonnet-4-6' });
    const environment = await t.client.beta.environments.create({ name: 'cli-tail-env' });
    const session = await t.client.beta.sessions.create({ agent: agent.id, environment_id: environment.id });
    fake.enqueue({ content: [{ type: 'text', text: 'First answer.' }] });
    await t.client.beta.sessions.events.send(session.id, { events: [{ type: 'user.message', content: [{ type: 'text', text: 'one' }] }] });
    await waitSettled(t.client, session.id, 30_000);

    const tail = spawnCli(['sessions', 'tail', session.id], { env: env(), timeoutMs: 90_000 });
    live.push(tail);
    await until(tail, 'First answer.');
    await t.restart();
    fake.enqueue({ content: [{ type: 'text', text: 'Second answer.' }] });
    await t.client.beta.sessions.events.send(session.id, { events: [{ type: 'user.message', content: [{ type: 'text', text: 'two' }] }] });
    await until(tail, 'Second answer.', 60_000);
    tail.child.kill('SIGINT');
    expect(await tail.exited).toBe(0);
    expect(tail.stderr()).toContain('lost the event stream');
    expect(count(tail.stdout(), 'First answer.')).toBe(1);
    expect(count(tail.stdout(), '> one')).toBe(1);
    expect(count(tail.stdout(), 'Second answer.')).toBe(1);
    expect(tail.stdout().indexOf('> two')).toBeGreaterThan(tail.stdout().indexOf('First answer.'));
  }, 120_000);

  it('run --out copies the outputs the agent left back into the directory', async () => {
    const out = path.join(dir, 'out');
    fake.enqueue(
      { content: [{ type: 'tool_use', name: 'write', input: { file_path: '/mnt/session/outputs/report/summary.md', content: '# Done\n' } }] },
      { content: [{ type: 'text', text: 'Report written.' }] },
    );
    const r = await runCli(['run', '--out', out, '--tools', 'write', 'Write a report'], { env: env(), timeoutMs: 60_000 });
    expect(r.stderr).not.toContain('✗');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`copied 1 output file (7 bytes) to ${out}`);
    expect(fs.readFileSync(path.join(out, 'report', 'summary.md'), 'utf8')).toBe('# Done\n');
    // The agent was told where to leave its files.
    const firstTurn = fake.requests.at(-2)!.body.messages[0]!;
    expect(JSON.stringify(firstTurn.content)).toContain('/mnt/session/outputs/');

    fake.enqueue({ content: [{ type: 'text', text: 'Nothing to hand back.' }] });
    const plain = await runCli(['run', '--tools', 'write', 'Say hi'], { env: env(), timeoutMs: 60_000 });
    expect(plain.code).toBe(0);
    expect(plain.stderr).toContain('agentd run --out <dir> copies its outputs back');
  }, 120_000);
});

// AGENTD_SANDBOX: `none` runs tools unisolated (and says so loudly at every start); a server
// whose bubblewrap is unusable refuses to run cloud-environment tools rather than fall back.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createLocalSandboxes } from '../../src/services/sandboxes.js';
import { systemClock } from '../../src/domain/clock.js';
import { useFakeAnthropic } from '../helpers/use.js';
import { startTestServer } from '../helpers/server.js';
import { bash, runTools, toolSession } from '../helpers/sandbox.js';
import { createAgent, createEnvironment } from '../helpers/fixtures.js';
import { uploadSkill } from '../helpers/skills.js';

/** Whether process `pid` runs (a zombie, killed but not yet reaped by whoever adopted it, does not). */
function running(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Waits (bounded) until process `pid` no longer runs; says whether it stopped. */
async function stops(pid: number, withinMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (running(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return !running(pid);
}

/** Starts the sandboxes as the server does, returning what they logged. */
async function startupLog(env: Record<string, string>): Promise<{ log: string; unavailable: string | undefined }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-sbx-log-'));
  let log = '';
  const sink = new Writable({
    write(chunk, _enc, cb) {
      log += chunk.toString();
      cb();
    },
  });
  try {
    const sandboxes = await createLocalSandboxes(loadConfig({ dataDir }, env), pino({ level: 'info' }, sink), systemClock);
    await sandboxes.close();
    return { log, unavailable: sandboxes.unavailable };
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('sandbox provider selection', { timeout: 180_000 }, () => {
  const fake = useFakeAnthropic();

  it('AGENTD_SANDBOX=none runs tools directly in the session workspace', async () => {
    const t = await startTestServer('sqlite', { model: fake, env: { AGENTD_SANDBOX: 'none' } });
    try {
      const session = await toolSession(t.client);
      const [wrote, read] = await runTools(t, fake, session.id, [
        { name: 'write', input: { file_path: '/workspace/direct.txt', content: 'direct\n' } },
        bash('cat direct.txt'),
      ]);
      expect(wrote!.isError).toBe(false);
      expect(read).toEqual({ isError: false, text: 'direct' });
      expect(fs.readFileSync(path.join(t.dataDir, 'workspaces', session.id, 'workspace', 'direct.txt'), 'utf8')).toBe('direct\n');
    } finally {
      await t.close();
    }
  });

  it('AGENTD_SANDBOX=none: bash is one persistent shell per session, started by the spawner (the server never forks it)', async () => {
    const t = await startTestServer('sqlite', { model: fake, env: { AGENTD_SANDBOX: 'none' } });
    const pidFile = path.join(os.tmpdir(), `agentd-direct-bg-${process.pid}-${Date.now()}`);
    try {
      const session = await toolSession(t.client);
      const [first, kept, failed, restarted, timedOut, after] = await runTools(t, fake, session.id, [
        bash('MARK=kept; mkdir -p sub && cd sub; echo "$PPID"; ps -o args= -p "$PPID"'),
        bash('echo "$MARK $(pwd)"'),
        bash('echo oops >&2; false'),
        bash('echo "${MARK:-unset} $(pwd)"', { restart: true }),
        // Its background job is in the shell's process group: the timeout kills both.
        bash(`sleep 60 & echo $! > ${pidFile}; sleep 30`, { timeout_ms: 300 }),
        bash('echo fresh'),
      ]);
      const [parent, parentArgs] = first!.text.split('\n');
      // The server runs in this process: the shell's parent is the spawner, a process of its own.
      expect(Number(parent)).not.toBe(process.pid);
      expect(parentArgs).toContain('spawner-main.js');
      // Host paths in the output read as the agent's (/workspace).
      expect(kept).toEqual({ isError: false, text: 'kept /workspace/sub' });
      expect(failed).toEqual({ isError: true, text: 'oops' });
      expect(restarted).toEqual({ isError: false, text: 'unset /workspace' });
      expect(timedOut).toEqual({ isError: true, text: 'bash: bash command timed out after 300ms' });
      // The call after a timeout gets a fresh shell (never the one being killed).
      expect(after).toEqual({ isError: false, text: 'fresh' });
      expect(await stops(Number(fs.readFileSync(pidFile, 'utf8')))).toBe(true);
    } finally {
      fs.rmSync(pidFile, { force: true });
      await t.close();
    }
  });

  it("AGENTD_SANDBOX=none: what reaches the shell's own stderr is in the tool's answer, never in the server's log", async () => {
    let log = '';
    const t = await startTestServer('sqlite', { model: fake, env: { AGENTD_SANDBOX: 'none' }, logSink: (line) => (log += line) });
    try {
      const session = await toolSession(t.client);
      // The shell holds the server's environment: the agent could send any of it there. With xtrace on,
      // bash traces the framing after each command to its own stderr, prefixed with PS4 as expanded.
      // (The trace also spells out the framing's sentinel, so the answers read oddly; the SDK's shell does the same.)
      const answers = await runTools(t, fake, session.id, [bash('PS4="+stderr-marker-5f1c "; set -x'), bash('set +x')]);
      expect(answers.map((a) => a.text).join('\n')).toContain('+stderr-marker-5f1c');
      expect(log).toContain('tool bash ok'); // the log was captured, at trace level
      expect(log).not.toContain('stderr-marker-5f1c');
    } finally {
      await t.close();
    }
  });

  it('AGENTD_SANDBOX=none: an idle shell stops after AGENTD_SANDBOX_IDLE_MS, and the next call starts a fresh one', async () => {
    const t = await startTestServer('sqlite', { model: fake, env: { AGENTD_SANDBOX: 'none', AGENTD_SANDBOX_IDLE_MS: '300' } });
    try {
      const session = await toolSession(t.client);
      const [first] = await runTools(t, fake, session.id, [bash('MARK=kept; echo $$')]);
      expect(await stops(Number(first!.text))).toBe(true);
      const [second] = await runTools(t, fake, session.id, [bash('echo "${MARK:-unset}"')]);
      expect(second).toEqual({ isError: false, text: 'unset' });
    } finally {
      await t.close();
    }
  });

  it('AGENTD_SANDBOX=none: the file tools reach memory stores and skills by their sandbox paths', async () => {
    const t = await startTestServer('sqlite', { model: fake, env: { AGENTD_SANDBOX: 'none' } });
    try {
      const rw = await t.client.beta.memoryStores.create({ name: 'Direct Notes' });
      const ro = await t.client.beta.memoryStores.create({ name: 'Direct Reference' });
      await t.client.beta.memoryStores.memories.create(ro.id, { path: '/r.md', content: 'fixed\n' });
      const skill = await uploadSkill(t.client, 'direct-skill', 'Works without a sandbox.');
      const agent = await createAgent(t.client, { tools: [{ type: 'agent_toolset_20260401' }], skills: [{ type: 'custom', skill_id: skill.id }] });
      const env = await createEnvironment(t.client);
      const session = await t.client.beta.sessions.create({
        agent: agent.id,
        environment_id: env.id,
        resources: [
          { type: 'memory_store', memory_store_id: rw.id },
          { type: 'memory_store', memory_store_id: ro.id, access: 'read_only' },
        ],
      });
      const [wrote, readSkill, refused] = await runTools(t, fake, session.id, [
        { name: 'write', input: { file_path: '/mnt/memory/direct-notes/n.md', content: 'noted\n' } },
        { name: 'read', input: { file_path: '/workspace/skills/direct-skill/SKILL.md' } },
        { name: 'write', input: { file_path: '/mnt/memory/direct-reference/r.md', content: 'changed\n' } },
      ]);
      expect(wrote!.isError).toBe(false);
      expect(readSkill!.text).toContain('Works without a sandbox.');
      expect(refused!.isError).toBe(true);
      const saved = (await t.client.beta.memoryStores.memories.list(rw.id, { view: 'full' })).data;
      expect(saved.map((m) => [m.path, m.type === 'memory' ? m.content : ''])).toEqual([['/n.md', 'noted\n']]);
      expect((await t.client.beta.memoryStores.memoryVersions.list(ro.id)).data).toHaveLength(1);
      expect(fs.existsSync('/mnt/memory/direct-notes')).toBe(false); // host paths, not the real /mnt
    } finally {
      await t.close();
    }
  });

  it('AGENTD_SANDBOX=none is logged loudly at start', async () => {
    const { log } = await startupLog({ AGENTD_SANDBOX: 'none' });
    expect(log).toContain('SANDBOX DISABLED');
    expect(log).toContain('"level":40');
  });

  it('a server that cannot use bubblewrap refuses to run tools', async () => {
    const t = await startTestServer('sqlite', { model: fake, env: { AGENTD_BWRAP_PATH: '/nonexistent/bwrap' } });
    try {
      const session = await toolSession(t.client);
      const [refused] = await runTools(t, fake, session.id, [bash('echo ran > /workspace/should-not-exist.txt')]);
      expect(refused!.isError).toBe(true);
      expect(refused!.text).toContain('Tool execution is unavailable');
      expect(refused!.text).toContain('AGENTD_SANDBOX=none');
      expect(fs.existsSync(path.join(t.dataDir, 'workspaces', session.id, 'workspace', 'should-not-exist.txt'))).toBe(false);
    } finally {
      await t.close();
    }
    const { log, unavailable } = await startupLog({ AGENTD_BWRAP_PATH: '/nonexistent/bwrap' });
    expect(unavailable).toContain('/nonexistent/bwrap');
    expect(log).toContain('SANDBOX UNAVAILABLE');
  });

  it('rejects an unknown AGENTD_SANDBOX value', () => {
    expect(() => loadConfig({}, { AGENTD_SANDBOX: 'docker' })).toThrow(/AGENTD_SANDBOX/);
  });
});

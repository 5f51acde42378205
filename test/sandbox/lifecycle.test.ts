// The sandbox's life: its shell stops when idle and restarts on the next call with the workspace
// intact (but a fresh shell and /tmp); per-call time and output caps; resource limits in force;
// what lives in it (bwrap and the shell, nothing else), and what the file tools need of it (nothing).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { bash, runTools, toolSession } from '../helpers/sandbox.js';
import { SHELL_BINARY } from '../../src/sandbox/shell-binary.js';

/** What the kernel names the shell's process: its binary's file name (bash, or bash-static), cut at 15 characters. */
const shellComm = path.basename(SHELL_BINARY).slice(0, 15);

/** bwrap processes started by this test process (the server runs in it): the live sandboxes' count, twice each. */
function ownBwraps(): number {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      names.set(Number(entry), stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')));
    } catch {
      // exited meanwhile
    }
  }
  const below = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === process.pid) return true;
    return false;
  };
  return [...names].filter(([pid, name]) => name === 'bwrap' && below(pid)).length;
}

describe('sandbox lifecycle and limits', { timeout: 180_000 }, () => {
  const fake = useFakeAnthropic();
  // The server's clock: the idle stop happens when the test moves it past AGENTD_SANDBOX_IDLE_MS.
  const clock = new ManualClock();
  const t = useServer('sqlite', () => ({
    model: fake,
    clock,
    env: {
      // The deployment scheduler and webhook dispatcher also sleep on this clock: with long polls
      // they stay asleep (two sleepers), and the idle stop is the third.
      AGENTD_SCHEDULER_POLL_MS: '3600000',
      AGENTD_WEBHOOK_POLL_MS: '3600000',
      AGENTD_SANDBOX_IDLE_MS: '1000',
      AGENTD_TOOL_TIMEOUT_MS: '3000',
      AGENTD_TOOL_OUTPUT_BYTES: '2000',
      AGENTD_SANDBOX_MEMORY_MB: '1024',
      AGENTD_SANDBOX_PIDS: '300',
    },
  }));

  it('file tools start no sandbox; a sandbox holds bwrap and the agent\'s shell, no tool host', async () => {
    const session = await toolSession(t.client);
    const before = ownBwraps();
    const [wrote, read] = await runTools(t, fake, session.id, [
      { name: 'write', input: { file_path: '/workspace/notes.txt', content: 'from the file tool' } },
      { name: 'read', input: { file_path: 'notes.txt' } },
    ]);
    expect(wrote).toEqual({ isError: false, text: 'wrote 18 bytes to /workspace/notes.txt' });
    expect(read).toEqual({ isError: false, text: 'from the file tool' });
    expect(ownBwraps()).toBe(before);

    const [seen, shell, processes, init] = await runTools(t, fake, session.id, [
      bash('cat /workspace/notes.txt; echo; stat -c %u /workspace/notes.txt; id -u'),
      // The statically linked bash when the host has it (Debian's bash-static), named bash all the same.
      bash('echo "$0"; readlink /proc/$$/exe'),
      // Every process in the sandbox's pid namespace by name; pid 1 is the agent's shell (no reaper).
      bash('cat /proc/1/comm; for p in /proc/[0-9]*; do cat $p/comm 2>/dev/null; done | sort -u | tr "\\n" " "'),
      // An orphan (its subshell exits at once) is adopted and reaped by the shell, and nothing inside
      // can signal pid 1 to death, not even the shell itself: the count of zombies, then the shell.
      bash('(sleep 0.2 &); sleep 0.8; kill -KILL 1; kill -TERM 1; grep -l "^State:[[:space:]]*Z" /proc/[0-9]*/status 2>/dev/null | wc -l; echo "alive $$"'),
    ]);
    const [content, owner, uid] = seen!.text.split('\n');
    expect(content).toBe('from the file tool');
    expect(owner).toBe(uid); // created by the server, owned by the sandbox's user
    expect(shell).toEqual({ isError: false, text: `bash\n${fs.realpathSync(SHELL_BINARY)}` });
    if (fs.existsSync('/usr/bin/bash-static')) expect(SHELL_BINARY).toMatch(/bash-static$/);
    const [pid1, names] = processes!.text.split('\n');
    expect(pid1).toBe(shellComm);
    // The shell (and its subshell running the loop) and the listing's own programs: no tool host, no reaper.
    const seenNames = names!.trim().split(' ');
    expect(seenNames).toContain(shellComm);
    for (const name of seenNames) expect([shellComm, 'cat', 'sort', 'tr']).toContain(name);
    expect(init).toEqual({ isError: false, text: '0\nalive 1' });
    expect(ownBwraps()).toBe(before + 1); // one sandbox: bwrap outside only
    // The spawner that forked it carries none of the server's environment (keys, database URL): PATH only.
    const ownChild = (p: string) => {
      try {
        const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid && fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('spawner-main.js');
      } catch {
        return false; // exited meanwhile
      }
    };
    const spawner = fs.readdirSync('/proc').find((p) => /^\d+$/.test(p) && ownChild(p));
    expect(spawner).toBeDefined();
    const variables = fs.readFileSync(`/proc/${spawner}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => kv.split('=')[0]);
    for (const name of variables) expect(['PATH', 'NODE_CHANNEL_FD', 'NODE_CHANNEL_SERIALIZATION_MODE']).toContain(name);
  });

  it('bash answers as the SDK\'s bash tool: output with stderr, exit status, restart', async () => {
    const session = await toolSession(t.client);
    const [ok, failed, silent, kept, restarted, fresh] = await runTools(t, fake, session.id, [
      bash('cd /tmp && export MARK=set && echo out; echo err >&2'),
      bash('echo partial; false'),
      bash('exit_code() { return 3; }; exit_code'),
      bash('echo "$PWD $MARK"'),
      { name: 'bash', input: { restart: true } },
      bash('echo "$PWD ${MARK:-fresh}"'),
    ]);
    expect(ok).toEqual({ isError: false, text: 'out\nerr' });
    expect(failed).toEqual({ isError: true, text: 'partial' });
    expect(silent).toEqual({ isError: true, text: 'exit 3' });
    expect(kept).toEqual({ isError: false, text: '/tmp set' });
    expect(restarted).toEqual({ isError: false, text: 'bash session restarted' });
    expect(fresh).toEqual({ isError: false, text: '/workspace fresh' });
  });

  it('the workspace survives the sandbox stopping when idle; shell state and /tmp do not', async () => {
    const session = await toolSession(t.client);
    const [first] = await runTools(t, fake, session.id, [
      bash('echo kept > /workspace/kept.txt && echo gone > /tmp/gone.txt && export STATE=set && echo $STATE'),
    ]);
    expect(first).toEqual({ isError: false, text: 'set' });
    await clock.untilSleeping(3); // the idle stop is scheduled (beside the two background loops)...
    clock.advance(1000); // ...and due

    const [after] = await runTools(t, fake, session.id, [
      bash('cat /workspace/kept.txt; ls /tmp/gone.txt 2>/dev/null || echo no-tmp; echo "state=${STATE:-fresh}"'),
    ]);
    expect(after).toEqual({ isError: false, text: 'kept\nno-tmp\nstate=fresh' });
  });

  it('a busy sandbox stays up between calls of one turn', async () => {
    const session = await toolSession(t.client);
    const [a, b] = await runTools(t, fake, session.id, [bash('export STATE=kept; echo ok'), bash('echo ${STATE:-fresh}')]);
    expect(a!.text).toBe('ok');
    expect(b!.text).toBe('kept');
  });

  it('caps a call at the per-call limit, whatever timeout_ms it asks for', async () => {
    const session = await toolSession(t.client);
    const started = Date.now();
    const [slow, next] = await runTools(t, fake, session.id, [bash('sleep 60', { timeout_ms: 600_000 }), bash('echo still-works')]);
    expect(slow!.isError).toBe(true);
    expect(slow!.text).toMatch(/timed out|limit/);
    expect(Date.now() - started).toBeLessThan(45_000);
    expect(next).toEqual({ isError: false, text: 'still-works' });
  });

  it('cuts oversized output with a marker', async () => {
    const session = await toolSession(t.client);
    const [r] = await runTools(t, fake, session.id, [bash("head -c 50000 /dev/zero | tr '\\0' a")]);
    expect(r!.isError).toBe(false);
    expect(r!.text).toContain('[agentd: output truncated');
    expect(Buffer.byteLength(r!.text)).toBeLessThan(2200);
  });

  it('runs with address-space and process limits set', async () => {
    const session = await toolSession(t.client);
    const [limits, big] = await runTools(t, fake, session.id, [
      bash('echo "as=$(ulimit -v) nproc=$(ulimit -u) hard_as=$(ulimit -Hv)"'),
      // Asking for more address space than allowed fails inside the sandbox.
      bash("node -e 'Buffer.alloc(1536 * 1024 * 1024); console.log(\"allocated\")'"),
    ]);
    expect(limits!.text).toBe('as=1048576 nproc=300 hard_as=1048576');
    expect(big!.isError).toBe(true);
    expect(big!.text).not.toContain('allocated');
  });
});

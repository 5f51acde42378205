// Sandboxes never run as host root, and their limits hold even though this test's agentd runs as
// root (CI does): the sandbox's processes are an unprivileged host user with no capabilities,
// under the seccomp filter; a fork bomb stops at the process limit and a memory hog spread over
// several processes is held to the sandbox's total, while the server keeps answering.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { bash, runTools, toolSession } from '../helpers/sandbox.js';

const PIDS = 64;
const MEMORY_MB = 1024;

// Forks until the kernel refuses (at most 400 tries); children wait on a pipe and exit with the parent.
const FORK_BOMB = `python3 - <<'PY'
import os
r, w = os.pipe()
n = 0
try:
    for _ in range(400):
        if os.fork() == 0:
            os.close(w)
            os.read(r, 1)
            os._exit(0)
        n += 1
except OSError as e:
    print("refused", e.errno)
print("forked", n)
PY`;

// Four processes of 300 MiB each (touched, so really resident): 1200 MiB against a 1024 MiB total.
const MEMORY_HOG = `for i in 1 2 3 4; do python3 -c 'import time; b = bytearray(300 * 1024 * 1024); b[::4096] = b"x" * len(b[::4096]); time.sleep(3); print("held")' & done; wait; echo done`;

// keyctl(KEYCTL_GET_KEYRING_ID, ...) is syscall 250 on x86_64: the filter answers EPERM.
const KEYCTL = `python3 -c 'import ctypes; libc = ctypes.CDLL(None, use_errno=True); r = libc.syscall(250, 0, -3, 0); print(r, ctypes.get_errno())'`;

/** Real uids, as the host sees them, of processes whose command line starts with `marker`. */
function hostUidsOf(marker: string): number[] {
  const uids: number[] = [];
  for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith(marker)) continue;
      uids.push(Number(/^Uid:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]));
    } catch {
      // gone meanwhile
    }
  }
  return uids;
}

describe('sandbox user and limits', { timeout: 240_000 }, () => {
  const fake = useFakeAnthropic();
  const t = useServer('sqlite', () => ({
    model: fake,
    env: { AGENTD_SANDBOX_PIDS: String(PIDS), AGENTD_SANDBOX_MEMORY_MB: String(MEMORY_MB) },
  }));

  it('runs as an unprivileged host user with no capabilities, under seccomp', async () => {
    const session = await toolSession(t.client);
    const marker = `agentd-uid-probe-${process.pid}-${Date.now()}`;
    const [started, status, keyctl, owner] = await runTools(t, fake, session.id, [
      // Left running (detached) so the host can look at it: its uid as the host sees it.
      bash(`(exec -a ${marker} sleep 60 >/dev/null 2>&1 &) ; echo started`),
      bash("grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status"),
      bash(KEYCTL),
      bash('touch /workspace/mine && stat -c %u /workspace/mine && id -u'),
    ]);
    expect(started!.text).toBe('started');
    const uids = hostUidsOf(marker);
    expect(uids.length).toBe(1);
    expect(uids[0]).not.toBe(0);
    if (process.getuid?.() === 0) expect(uids[0]).toBe(2_000_000_000);
    expect(status!.text).toContain('CapEff:\t0000000000000000');
    expect(status!.text).toContain('CapBnd:\t0000000000000000');
    expect(status!.text).toContain('NoNewPrivs:\t1');
    expect(status!.text).toContain('Seccomp:\t2');
    expect(keyctl!.text.trim()).toBe('-1 1');
    expect(owner!.isError).toBe(false);
  });

  it('a fork bomb stops at the process limit and the server stays responsive', async () => {
    const session = await toolSession(t.client);
    const [bomb] = await runTools(t, fake, session.id, [bash(FORK_BOMB)]);
    const forked = Number(/forked (\d+)/.exec(bomb!.text)?.[1]);
    expect(bomb!.text).toContain('refused 11'); // EAGAIN
    expect(forked).toBeLessThan(PIDS);
    const started = Date.now();
    await t.client.beta.sessions.retrieve(session.id);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('memory spread over processes is held to the sandbox total', async () => {
    const session = await toolSession(t.client);
    const [hog, after] = await runTools(t, fake, session.id, [bash(MEMORY_HOG, { timeout_ms: 60_000 }), bash('echo alive')]);
    const held = hog!.text.split('\n').filter((l) => l === 'held').length;
    expect(held).toBeLessThan(4);
    expect(after).toEqual({ isError: false, text: 'alive' });
    const started = Date.now();
    await t.client.beta.sessions.retrieve(session.id);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

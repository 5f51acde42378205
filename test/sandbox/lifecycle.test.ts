// The tool host's life: it stops when idle and restarts on the next call with the workspace
// intact (but a fresh shell and /tmp); per-call time and output caps; resource limits in force.
import { describe, expect, it } from 'vitest';
import { useFakeAnthropic, useServer } from '../helpers/use.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { bash, runTools, toolSession } from '../helpers/sandbox.js';

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

  it('the workspace survives the tool host stopping when idle; shell state and /tmp do not', async () => {
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

  it('a busy tool host stays up between calls of one turn', async () => {
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

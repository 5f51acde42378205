// Checks once, at start-up, that bubblewrap can build a sandbox on this host (binary present,
// user/pid/net namespaces permitted), and whether it can also forbid nested user namespaces.
import { spawn } from 'node:child_process';

export type ProbeResult = { ok: true; disableUserns: boolean } | { ok: false; reason: string };

type Launch = (argv: string[]) => string[];

function tryRun(launch: Launch, bwrapPath: string, args: string[]): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    let stderr = '';
    const [cmd, ...rest] = launch([bwrapPath, ...args]);
    const child = spawn(cmd!, rest, { stdio: ['ignore', 'ignore', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, detail: err.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, detail: stderr.trim() || `exit ${code ?? signal}` });
    });
  });
}

// The options every sandbox runs with (bwrap-args.ts), so a bwrap that lacks one is found at start.
const BASE = ['--unshare-all', '--as-pid-1', '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev'];

/** `launch` wraps bwrap as sandboxes will run it (as the sandbox user), so the probe tests that too. */
export async function probeBubblewrap(bwrapPath: string, launch: Launch = (argv) => argv): Promise<ProbeResult> {
  const strict = await tryRun(launch, bwrapPath, ['--unshare-user', '--disable-userns', ...BASE, '--', 'true']);
  if (strict.ok) return { ok: true, disableUserns: true };
  const basic = await tryRun(launch, bwrapPath, [...BASE, '--', 'true']);
  if (basic.ok) return { ok: true, disableUserns: false };
  return { ok: false, reason: `${bwrapPath}: ${basic.detail}` };
}

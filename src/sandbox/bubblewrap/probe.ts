// Checks once, at start-up, that bubblewrap can build a sandbox on this host (binary present,
// user/pid/net namespaces permitted), and whether it can also forbid nested user namespaces.
import { spawn } from 'node:child_process';

export type ProbeResult = { ok: true; disableUserns: boolean } | { ok: false; reason: string };

function tryRun(bwrapPath: string, args: string[]): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    let stderr = '';
    const child = spawn(bwrapPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
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

const BASE = ['--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev'];

export async function probeBubblewrap(bwrapPath: string): Promise<ProbeResult> {
  const strict = await tryRun(bwrapPath, ['--unshare-user', '--disable-userns', ...BASE, '--', 'true']);
  if (strict.ok) return { ok: true, disableUserns: true };
  const basic = await tryRun(bwrapPath, [...BASE, '--', 'true']);
  if (basic.ok) return { ok: true, disableUserns: false };
  return { ok: false, reason: `${bwrapPath}: ${basic.detail}` };
}

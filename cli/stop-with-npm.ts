// When npm starts the server (`npx agentd serve`, a package script), npm runs it through `sh -c`, and
// on SIGTERM/SIGINT npm signals that shell, which dies without passing the signal on: the server
// would be left running as an orphan. So, only when npm is the launcher, the server also stops
// when its parent goes away. (A server started directly, e.g. under nohup, keeps running.)
// On SIGINT the shell may instead outlive npm (it waits for its foreground child, which never got
// the signal): so when the parent is a shell, the server also stops when the shell's parent (npm)
// goes away.
import fs from 'node:fs';

const POLL_MS = 1000;
const SHELLS = new Set(['sh', 'dash', 'bash', 'zsh', 'ash', 'busybox']);

/** A process's parent pid and command name from /proc (Linux); undefined elsewhere or once it is gone. */
function procInfo(pid: number): { ppid: number; comm: string } | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    return { comm: stat.slice(stat.indexOf('(') + 1, close), ppid: Number(stat.slice(close + 2).split(' ')[1]) };
  } catch {
    return undefined;
  }
}

export function stopWhenNpmParentExits(stop: (reason: string) => void): void {
  if (!process.env.npm_command) return;
  const parent = process.ppid;
  const shell = procInfo(parent);
  const npm = shell && SHELLS.has(shell.comm) ? shell.ppid : undefined;
  const timer = setInterval(() => {
    if (process.ppid !== parent || (npm !== undefined && procInfo(parent)?.ppid !== npm)) {
      clearInterval(timer);
      stop('npm exited');
    }
  }, POLL_MS);
  timer.unref();
}

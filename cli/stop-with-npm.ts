// When npm starts the server (`npx agentd serve`, a package script), npm runs it through `sh -c`, and
// on SIGTERM/SIGINT npm signals that shell, which dies without passing the signal on: the server
// would be left running as an orphan. So, only when npm is the launcher, the server also stops
// when its parent goes away. (A server started directly, e.g. under nohup, keeps running.)
const POLL_MS = 1000;

export function stopWhenNpmParentExits(stop: (reason: string) => void): void {
  if (!process.env.npm_command) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      stop('npm exited');
    }
  }, POLL_MS);
  timer.unref();
}

// Whether a process still exists (leftovers named after a pid — staging dirs, cgroups — are removed
// only once their process is gone). EPERM means it exists under another user.
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

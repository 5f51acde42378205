// The seccomp filter every sandbox runs under: the syscalls container runtimes refuse by default
// (Docker's and Podman's profiles) that no tool needs — kernel keyrings, BPF, perf, userfaultfd,
// io_uring, mounts and namespaces, modules, kexec, reboot, clocks, swap, accounting, handle-based
// opens — answer EPERM (io_uring ENOSYS, so libuv falls back quietly). Syscalls of other ABIs
// (32-bit on x86_64) kill the process. Built with libseccomp's maintained Python binding
// (Debian's python3-seccomp) into a BPF program that bwrap loads (`--seccomp FD`).
import { execFile } from 'node:child_process';
import fs from 'node:fs';

export const BLOCKED_SYSCALLS = [
  'acct', 'add_key', 'bpf', 'chroot', 'clock_adjtime', 'clock_settime', 'create_module', 'delete_module',
  'fanotify_init', 'finit_module', 'fsconfig', 'fsmount', 'fsopen', 'fspick', 'get_kernel_syms', 'init_module',
  'ioperm', 'iopl', 'kcmp', 'kexec_file_load', 'kexec_load', 'keyctl', 'lookup_dcookie', 'mount', 'mount_setattr',
  'move_mount', 'name_to_handle_at', 'nfsservctl', 'open_by_handle_at', 'open_tree', 'perf_event_open', 'pivot_root',
  'query_module', 'quotactl', 'quotactl_fd', 'reboot', 'request_key', 'setns', 'settimeofday', 'stime', 'swapoff',
  'swapon', 'sysfs', '_sysctl', 'syslog', 'umount', 'umount2', 'unshare', 'uselib', 'userfaultfd', 'ustat', 'vhangup',
  'vm86', 'vm86old',
] as const;
export const NOSYS_SYSCALLS = ['io_uring_setup', 'io_uring_enter', 'io_uring_register'] as const;

const GENERATOR = `
import errno, sys, seccomp
f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
def rule(action, names):
    for name in names:
        try:
            f.add_rule(action, name)
        except (RuntimeError, ValueError, OSError):
            pass  # not a syscall on this architecture
rule(seccomp.ERRNO(errno.EPERM), sys.argv[2].split(","))
rule(seccomp.ERRNO(errno.ENOSYS), sys.argv[3].split(","))
with open(sys.argv[1], "wb") as out:
    f.export_bpf(out)
`;

/** Python interpreters to try: Debian's own first (python3-seccomp is installed for it), then PATH's. */
const PYTHONS = ['/usr/bin/python3', 'python3'];

export type SeccompBuild = { ok: true; file: string } | { ok: false; reason: string };

/**
 * Writes the BPF program to `file`; says why not when libseccomp's binding is missing. Asynchronous,
 * so the server's start goes on while Python builds it (~20 ms of a start otherwise blocked).
 */
export async function buildSeccompFilter(file: string): Promise<SeccompBuild> {
  let last = 'no python3 found';
  for (const python of PYTHONS) {
    const failure = await new Promise<string | undefined>((resolve) => {
      execFile(python, ['-c', GENERATOR, file, BLOCKED_SYSCALLS.join(','), NOSYS_SYSCALLS.join(',')], { encoding: 'utf8', timeout: 30_000 }, (err, _stdout, stderr) => {
        if (!err) return resolve(undefined);
        const code = (err as NodeJS.ErrnoException).code;
        resolve(typeof code === 'string' ? `${python}: ${err.message}` : `${python}: ${stderr.trim().split('\n').pop() || `exit ${code}`}`);
      });
    });
    if (failure === undefined && fs.existsSync(file) && fs.statSync(file).size > 0) return { ok: true, file };
    last = failure ?? `${python}: wrote no filter`;
  }
  return { ok: false, reason: `cannot build the seccomp filter (install python3-seccomp): ${last}` };
}

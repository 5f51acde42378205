// Usage text of `agentd doctor` (also shown in `agentd --help`).
export const DOCTOR_USAGE = `  doctor    report which sandbox protections are in force on this host (isolation, networking
            that never reaches the host, the sandbox user, cgroup limits, seccomp) and, for
            each one that is not, what to install or change. Reads the same AGENTD_* settings
            as serve; --data-dir <dir>. Exit status: 0 all in force, 1 something is not.
`;

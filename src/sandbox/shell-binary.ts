// Which bash runs the agent's persistent shell. Debian's `bash-static` is the same bash, statically
// linked: no dynamic loader, libc or libtinfo mapped into each shell and no dynamic linking at each
// start, which is 0.9 MiB less RSS per live sandbox (docs/sandbox.md, "Design: a shell, not a tool
// host"). It is used when installed, else the system's /bin/bash. Fixed paths, not PATH: inside
// bubblewrap the path must be the same, and /usr (and /bin) are the host's, read-only.
import { isExecutable } from './executables.js';

const STATIC_BASH = ['/usr/bin/bash-static', '/bin/bash-static'].find(isExecutable);

/** Whether the shell is the statically linked bash (what `agentd doctor` reports). */
export const SHELL_IS_STATIC = STATIC_BASH !== undefined;

/** The shell's binary, chosen once per process. */
export const SHELL_BINARY: string = STATIC_BASH ?? '/bin/bash';

/** Its argv[0]: `$0` reads "bash" whichever binary runs, and `$BASH` is the bash found on PATH. */
export const SHELL_ARGV0 = 'bash';

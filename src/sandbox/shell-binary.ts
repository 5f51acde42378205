// Which bash runs the agent's persistent shell. Debian's `bash-static` is the same bash, statically
// linked: no dynamic loader, libc or libtinfo mapped into each shell and no dynamic linking at each
// start, which is 0.9 MiB less RSS per live sandbox (docs/sandbox.md, "Memory per sandbox"). It is
// used when installed, else the system's /bin/bash. Inside bubblewrap the path is the same: /usr
// (and /bin) are the host's, read-only.
import fs from 'node:fs';

const STATIC_BASH = ['/usr/bin/bash-static', '/bin/bash-static'];

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The shell's binary, chosen once per process. */
export const SHELL_BINARY: string = STATIC_BASH.find(executable) ?? '/bin/bash';

/** Its argv[0]: `$0` reads "bash" whichever binary runs, and `$BASH` is the bash found on PATH. */
export const SHELL_ARGV0 = 'bash';

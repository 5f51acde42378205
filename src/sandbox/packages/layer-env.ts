// What a session's sandbox sets so that its tools find the packages of its layer (mounted
// read-only at /opt/packages): programs on PATH, Python modules, Node modules, shared libraries,
// gems.
import { PACKAGES_MOUNT } from './install-script.js';

const L = PACKAGES_MOUNT;

/** The Debian multiarch directory name of this machine's libraries. */
function multiarch(): string {
  return process.arch === 'arm64' ? 'aarch64-linux-gnu' : process.arch === 'x64' ? 'x86_64-linux-gnu' : `${process.arch}-linux-gnu`;
}

/** Directories put before the sandbox's own PATH. */
export const LAYER_PATH = [
  `${L}/apt/usr/local/bin`,
  `${L}/apt/usr/bin`,
  `${L}/apt/bin`,
  `${L}/apt/usr/sbin`,
  `${L}/apt/sbin`,
  `${L}/pip/bin`,
  `${L}/npm/node_modules/.bin`,
  `${L}/cargo/bin`,
  `${L}/gem/bin`,
  `${L}/go/bin`,
];

/** The variables besides PATH. */
export function layerVariables(): Record<string, string> {
  const arch = multiarch();
  return {
    PYTHONPATH: [`${L}/pip`, `${L}/apt/usr/lib/python3/dist-packages`].join(':'),
    NODE_PATH: `${L}/npm/node_modules`,
    LD_LIBRARY_PATH: [`${L}/apt/usr/lib/${arch}`, `${L}/apt/lib/${arch}`, `${L}/apt/usr/lib`].join(':'),
    GEM_PATH: `${L}/gem`,
  };
}

// The shell script that installs a package set into a layer directory, run inside a sandbox with
// the environment's networking (see docs/sandbox.md "Environment packages"). Pure: the same set
// and settings give the same script. Nothing is installed into the system: every manager writes
// under the layer only.
import { PACKAGE_MANAGERS, type PackageManager, type PackageSet } from './package-set.js';

/** Where the layer is, inside the installing sandbox and inside sessions' sandboxes (read-only there). */
export const PACKAGES_MOUNT = '/opt/packages';
/** The installer's working directory (its own /workspace): the script, apt's state, caches, the log. */
export const INSTALL_WORKDIR = '/workspace';
/** Written by the script: the manager that failed (one line), or nothing when all succeeded. */
export const FAILED_FILE = 'failed';
/** Written by the script when every manager succeeded. */
export const DONE_FILE = 'done';
export const LOG_FILE = 'install.log';

/** Registries the operator points the installers at (tests and internal mirrors). */
export interface PackageRegistries {
  pipIndexUrl?: string | undefined;
  npmRegistry?: string | undefined;
}

/** Single-quoted for bash: nothing inside is expanded. */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

const L = PACKAGES_MOUNT;
const W = INSTALL_WORKDIR;

/** Records the failing manager and stops (the text single-quoted: package names never reach the shell unquoted). */
const failWith = (manager: PackageManager, text: string) => `fail ${manager} ${shellQuote(text)}`;

/** Needs `tool` on the host (seen through the sandbox's read-only /usr): else the manager fails clearly. */
const need = (manager: PackageManager, tool: string) =>
  `command -v ${tool} >/dev/null 2>&1 || fail ${manager} "${tool} is not installed on the agentd host"`;

function aptSection(pkgs: readonly string[]): string[] {
  const dirs = ['etc/apt.conf.d', 'etc/preferences.d', 'etc/trusted.gpg.d', 'etc/sources.list.d', 'state/lists/partial', 'cache/archives/partial', 'log'];
  return [
    need('apt', 'apt-get'),
    need('apt', 'dpkg-deb'),
    `mkdir -p ${dirs.map((d) => `${W}/apt/${d}`).join(' ')} ${L}/apt`,
    // A private configuration, state and cache (prepared by the server: sources, keys, the host's
    // dpkg status so that what the host already has is not downloaded again); no lock, no root.
    `A=(-o Dir::Etc=${W}/apt/etc -o Dir::State=${W}/apt/state -o Dir::State::status=${W}/apt/status -o Dir::Cache=${W}/apt/cache -o Dir::Log=${W}/apt/log -o Debug::NoLocking=1)`,
    `if [ -n "\${HTTP_PROXY:-}" ]; then A+=(-o Acquire::http::Proxy="$HTTP_PROXY" -o Acquire::https::Proxy="$HTTP_PROXY"); fi`,
    `apt-get "\${A[@]}" update || fail apt "apt-get update failed"`,
    `apt-get "\${A[@]}" install -y --download-only --no-install-recommends ${pkgs.map(shellQuote).join(' ')} || ${failWith('apt', `apt-get could not download ${pkgs.join(' ')}`)}`,
    `for deb in ${W}/apt/cache/archives/*.deb; do [ -e "$deb" ] || continue; dpkg-deb -x "$deb" ${L}/apt || fail apt "dpkg-deb could not unpack $(basename "$deb")"; done`,
  ];
}

function pipSection(pkgs: readonly string[], r: PackageRegistries): string[] {
  const index = r.pipIndexUrl ? ` --index-url ${shellQuote(r.pipIndexUrl)} --trusted-host ${shellQuote(new URL(r.pipIndexUrl).host)}` : '';
  return [
    need('pip', 'python3'),
    `python3 -m pip --version >/dev/null 2>&1 || fail pip "python3 has no pip module on the agentd host"`,
    `python3 -m pip install --no-input --disable-pip-version-check --no-cache-dir --target ${L}/pip${index} ${pkgs.map(shellQuote).join(' ')} || ${failWith('pip', `pip could not install ${pkgs.join(' ')}`)}`,
  ];
}

function npmSection(pkgs: readonly string[], r: PackageRegistries): string[] {
  const registry = r.npmRegistry ? ` --registry ${shellQuote(r.npmRegistry)}` : '';
  return [
    need('npm', 'npm'),
    `mkdir -p ${L}/npm`,
    `P=(); if [ -n "\${HTTP_PROXY:-}" ]; then P=(--proxy "$HTTP_PROXY" --https-proxy "$HTTP_PROXY"); fi`,
    `npm install --prefix ${L}/npm --cache ${W}/npm-cache --no-audit --no-fund --no-update-notifier "\${P[@]}"${registry} ${pkgs.map(shellQuote).join(' ')} || ${failWith('npm', `npm could not install ${pkgs.join(' ')}`)}`,
  ];
}

function cargoSection(pkgs: readonly string[]): string[] {
  return [
    need('cargo', 'cargo'),
    `CARGO_HOME=${W}/cargo-home cargo install --root ${L}/cargo ${pkgs.map(shellQuote).join(' ')} || ${failWith('cargo', `cargo could not install ${pkgs.join(' ')}`)}`,
  ];
}

function gemSection(pkgs: readonly string[]): string[] {
  return [
    need('gem', 'gem'),
    `HOME=${W} gem install --no-document --install-dir ${L}/gem --bindir ${L}/gem/bin ${pkgs.map(shellQuote).join(' ')} || ${failWith('gem', `gem could not install ${pkgs.join(' ')}`)}`,
  ];
}

function goSection(pkgs: readonly string[]): string[] {
  // `go install` needs a version in module mode: none given means the latest.
  const withVersion = pkgs.map((p) => (p.includes('@') ? p : `${p}@latest`));
  return [
    need('go', 'go'),
    ...withVersion.map(
      (p) => `GOBIN=${L}/go/bin GOPATH=${W}/go GOCACHE=${W}/go-cache GOFLAGS=-modcacherw go install ${shellQuote(p)} || ${failWith('go', `go could not install ${p}`)}`,
    ),
  ];
}

function section(manager: PackageManager, pkgs: readonly string[], r: PackageRegistries): string[] {
  switch (manager) {
    case 'apt':
      return aptSection(pkgs);
    case 'pip':
      return pipSection(pkgs, r);
    case 'npm':
      return npmSection(pkgs, r);
    case 'cargo':
      return cargoSection(pkgs);
    case 'gem':
      return gemSection(pkgs);
    case 'go':
      return goSection(pkgs);
  }
}

/** The whole script: each manager in turn; the first failure names itself in `failed` and stops. */
export function installScript(set: PackageSet, registries: PackageRegistries): string {
  const lines = [
    'set -u',
    `cd ${W}`,
    `fail() { printf '%s\\n' "$1" > ${W}/${FAILED_FILE}; echo "agentd: $1: $2" >&2; exit 1; }`,
  ];
  for (const manager of PACKAGE_MANAGERS) {
    const pkgs = set[manager];
    if (pkgs.length === 0) continue;
    lines.push(`echo "agentd: installing ${manager} packages"`, ...section(manager, pkgs, registries));
  }
  lines.push(`echo ok > ${W}/${DONE_FILE}`);
  return lines.join('\n') + '\n';
}

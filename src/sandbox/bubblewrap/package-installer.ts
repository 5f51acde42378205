// Installs a package set into a layer inside a bubblewrap sandbox of its own, under the
// environment's networking (limited: only through the egress proxy, so only allowed hosts and,
// with allow_package_managers, the registries). The sandbox sees the layer read-write at
// /opt/packages and a scratch directory as /workspace; nothing of the session's.
import fs from 'node:fs';
import path from 'node:path';
import type { EnvironmentRecord, SessionRecord } from '../../store/types.js';
import type { InstallResult, LayerBuild } from '../packages/package-layers.js';
import { PACKAGE_MANAGERS, type PackageSet } from '../packages/package-set.js';
import { DONE_FILE, FAILED_FILE, INSTALL_WORKDIR, LOG_FILE, PACKAGES_MOUNT, installScript, type PackageRegistries } from '../packages/install-script.js';
import type { SessionLayout } from '../session-layout.js';
import { BubblewrapSandbox, type BubblewrapRuntime } from './bubblewrap-sandbox.js';

export interface InstallerSettings extends PackageRegistries {
  /** AGENTD_APT_SOURCES; unset, the host's own /etc/apt sources and keys. */
  aptSources: string | undefined;
}

/** How much of the installer's output a failure reports (its end, where the error is). */
const TAIL_LINES = 15;
const TAIL_CHARS = 1500;

/** Reads at most the last `max` bytes of a file the sandbox wrote, never following a symlink it planted. */
function readTail(file: string, max = 64 * 1024): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch {
    return undefined;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return undefined;
    const length = Math.min(st.size, max);
    const buf = Buffer.alloc(length);
    fs.readSync(fd, buf, 0, length, st.size - length);
    return buf.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** The end of the installer's output, without credentials a registry URL might carry. */
export function outputTail(text: string): string {
  const lines = text.replace(/\/\/[^\s/@]+@/g, '//***@').trimEnd().split('\n');
  const tail = lines.slice(-TAIL_LINES).join('\n');
  return tail.length > TAIL_CHARS ? '…' + tail.slice(-TAIL_CHARS) : tail;
}

/** apt's private configuration: the sources (the operator's file, or the host's), keys, and the host's dpkg status. */
function prepareApt(work: string, settings: InstallerSettings): void {
  const etc = path.join(work, 'apt', 'etc');
  fs.mkdirSync(path.join(etc, 'sources.list.d'), { recursive: true });
  fs.mkdirSync(path.join(etc, 'trusted.gpg.d'), { recursive: true });
  const copy = (from: string, to: string) => {
    if (fs.existsSync(from)) fs.copyFileSync(from, to);
  };
  if (settings.aptSources) fs.copyFileSync(settings.aptSources, path.join(etc, 'sources.list'));
  else {
    copy('/etc/apt/sources.list', path.join(etc, 'sources.list'));
    for (const name of fs.existsSync('/etc/apt/sources.list.d') ? fs.readdirSync('/etc/apt/sources.list.d') : []) {
      copy(path.join('/etc/apt/sources.list.d', name), path.join(etc, 'sources.list.d', name));
    }
  }
  copy('/etc/apt/trusted.gpg', path.join(etc, 'trusted.gpg'));
  for (const name of fs.existsSync('/etc/apt/trusted.gpg.d') ? fs.readdirSync('/etc/apt/trusted.gpg.d') : []) {
    copy(path.join('/etc/apt/trusted.gpg.d', name), path.join(etc, 'trusted.gpg.d', name));
  }
  // What the host has installed counts as present: only missing dependencies are downloaded.
  const status = path.join(work, 'apt', 'status');
  if (fs.existsSync('/var/lib/dpkg/status')) fs.copyFileSync('/var/lib/dpkg/status', status);
  else fs.writeFileSync(status, '');
}

export async function installPackages(
  rt: BubblewrapRuntime,
  settings: InstallerSettings,
  session: SessionRecord,
  environment: EnvironmentRecord,
  set: PackageSet,
  build: LayerBuild,
  /** Installers running now: the provider stops them when it closes (server shutdown). */
  running: Set<{ close(): Promise<void> }>,
): Promise<InstallResult> {
  fs.writeFileSync(path.join(build.work, 'install.sh'), installScript(set, settings));
  if (set.apt.length > 0) prepareApt(build.work, settings);
  const layout: SessionLayout = {
    root: build.root,
    workspace: build.work,
    outputs: path.join(build.root, 'outputs'),
    resources: path.join(build.root, 'resources'),
    memory: path.join(build.root, 'memory'),
    skills: path.join(build.root, 'skills'),
  };
  // The layer is shared by every session of the set: nothing session-specific goes in (no
  // credentials, resources, skills; no MCP hosts in the policy).
  const installer = new BubblewrapSandbox(
    { ...rt, credentials: undefined, packages: undefined },
    { ...session, id: build.name, resources: [], agent: { ...session.agent, skills: [], mcp_servers: [] } },
    environment,
    { layout, mounts: [{ hostPath: build.layer, mountPath: PACKAGES_MOUNT, readOnly: false }] },
  );
  const W = INSTALL_WORKDIR;
  let outcomeText = '';
  running.add(installer);
  try {
    const outcome = await installer.run(
      'bash',
      { command: `bash ${W}/install.sh > ${W}/${LOG_FILE} 2>&1; echo "installer exit status $?"`, timeout_ms: rt.maxCallMs },
      `install-${build.name}`,
      new AbortController().signal,
    );
    outcomeText = outcome.content.map((b) => (b.type === 'text' ? b.text : '')).join('').trim();
  } finally {
    running.delete(installer);
    await installer.close();
  }
  if (readTail(path.join(build.work, DONE_FILE)) !== undefined) return { ok: true };
  const failed = readTail(path.join(build.work, FAILED_FILE), 100)?.trim();
  const log = readTail(path.join(build.work, LOG_FILE));
  const manager = PACKAGE_MANAGERS.find((m) => m === failed);
  const why = manager ? `${manager} failed to install ${set[manager].join(', ')}` : `the installer did not finish (${outputTail(outcomeText)})`;
  return { ok: false, message: log ? `${why}; installer output (last lines):\n${outputTail(log)}` : why };
}

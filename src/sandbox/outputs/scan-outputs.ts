// Lists the regular files under a session's outputs directory and opens them for reading without
// ever following a symlink out of it: the agent controls that tree (and may race with us).
import fs, { type BigIntStats } from 'node:fs';
import fsp, { type FileHandle } from 'node:fs/promises';
import path from 'node:path';

export interface ScannedOutput {
  /** Path relative to the outputs directory, with `/` separators. */
  rel: string;
  abs: string;
  stat: BigIntStats;
}

export interface ScanLimits {
  maxFiles: number;
  maxDepth: number;
}

/** Regular files only; symlinks, devices, sockets and FIFOs are skipped, and never descended into. */
export async function scanOutputs(dir: string, limits: ScanLimits): Promise<ScannedOutput[]> {
  const found: ScannedOutput[] = [];
  const walk = async (abs: string, rel: string, depth: number): Promise<void> => {
    const entries = await fsp.readdir(abs, { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (found.length >= limits.maxFiles) return;
      const childAbs = path.join(abs, entry.name);
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory() && depth < limits.maxDepth) {
        await walk(childAbs, childRel, depth + 1);
      } else if (entry.isFile()) {
        const stat = await fsp.lstat(childAbs, { bigint: true }).catch(() => undefined);
        if (stat?.isFile()) found.push({ rel: childRel, abs: childAbs, stat });
      }
    }
  };
  await walk(dir, '', 0);
  return found;
}

/**
 * Opens a scanned file for reading. O_NOFOLLOW refuses a symlink swapped in at the last
 * component; the check of /proc/self/fd refuses one swapped in higher up (fail closed).
 */
export async function openInside(realDir: string, abs: string): Promise<{ handle: FileHandle; stat: BigIntStats } | undefined> {
  const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = fs.constants;
  const handle = await fsp.open(abs, O_RDONLY | O_NOFOLLOW | O_NONBLOCK).catch(() => undefined);
  if (!handle) return undefined;
  try {
    const stat = await handle.stat({ bigint: true });
    const real = await fsp.readlink(`/proc/self/fd/${handle.fd}`);
    if (stat.isFile() && real.startsWith(realDir + path.sep)) return { handle, stat };
  } catch {
    // fall through: not verifiable, so not captured
  }
  await handle.close();
  return undefined;
}

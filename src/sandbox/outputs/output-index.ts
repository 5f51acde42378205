// What output capture last saw of each file under outputs/, kept on the host next to (never
// inside) the directory the agent writes, so unchanged files are neither re-read nor re-hashed.
import fsp from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import type { SessionLayout } from '../session-layout.js';

/** Identity of a file's version: any write changes ctime, which no tool can set back. */
export interface StatIdentity {
  size: string;
  mtimeNs: string;
  ctimeNs: string;
  ino: string;
}

export const identityOf = (stat: BigIntStats): StatIdentity => ({
  size: String(stat.size),
  mtimeNs: String(stat.mtimeNs),
  ctimeNs: String(stat.ctimeNs),
  ino: String(stat.ino),
});

export const sameIdentity = (known: StatIdentity, stat: BigIntStats) =>
  known.size === String(stat.size) && known.mtimeNs === String(stat.mtimeNs) && known.ctimeNs === String(stat.ctimeNs) && known.ino === String(stat.ino);

export interface IndexedOutput extends StatIdentity {
  fileId: string;
  sha256: string;
}

export type OutputIndex = Record<string, IndexedOutput>;

const indexPath = (layout: SessionLayout) => path.join(layout.root, 'outputs-index.json');

export async function loadOutputIndex(layout: SessionLayout): Promise<OutputIndex> {
  try {
    return JSON.parse(await fsp.readFile(indexPath(layout), 'utf8')) as OutputIndex;
  } catch {
    return {}; // none yet (or unreadable): capture falls back to comparing with the stored files
  }
}

export async function saveOutputIndex(layout: SessionLayout, index: OutputIndex): Promise<void> {
  const target = indexPath(layout);
  const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  await fsp.writeFile(tmp, JSON.stringify(index));
  await fsp.rename(tmp, target);
}

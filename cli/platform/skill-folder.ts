// A skill folder on disk: its files as the SDK uploads them (`skills create <dir>`, apply), and
// compared with the skill's latest version on the server (its zip): same files, same bytes.
import fs from 'node:fs';
import path from 'node:path';
import type Anthropic from '@anthropic-ai/sdk';
import { toFile } from '@anthropic-ai/sdk';
import yauzl from 'yauzl';

/** Relative path (with `/`) → bytes, for every file under `dir`. */
export function folderFiles(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const abs = path.join(e.parentPath, e.name);
    out.set(path.relative(dir, abs).split(path.sep).join('/'), fs.readFileSync(abs));
  }
  return out;
}

/** The folder as the SDK uploads it: each path under the folder's own name. */
export async function uploadables(dir: string) {
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`${dir} is not a directory (a skill is a folder with a SKILL.md)`);
  dir = path.resolve(dir);
  const base = path.basename(dir);
  return Promise.all([...folderFiles(dir)].map(([rel, bytes]) => toFile(bytes, `${base}/${rel}`)));
}

async function zipFiles(bytes: Buffer): Promise<Map<string, Buffer>> {
  const zip = await yauzl.fromBufferPromise(bytes);
  const out = new Map<string, Buffer>();
  for await (const entry of zip.eachEntry()) {
    if (entry.fileName.endsWith('/')) continue;
    const chunks: Buffer[] = [];
    for await (const c of (await zip.openReadStreamPromise(entry)) as AsyncIterable<Buffer>) chunks.push(c);
    // Entries sit under the skill's top-level folder: compare below it.
    out.set(entry.fileName.split('/').slice(1).join('/'), Buffer.concat(chunks));
  }
  zip.close();
  return out;
}

export async function sameAsLatest(client: Anthropic, skillId: string, versionId: string, dir: string): Promise<boolean> {
  const res = await client.beta.skills.versions.download(versionId, { skill_id: skillId });
  const remote = await zipFiles(Buffer.from(await res.arrayBuffer()));
  const local = folderFiles(dir);
  return remote.size === local.size && [...local].every(([p, b]) => remote.get(p)?.equals(b) === true);
}

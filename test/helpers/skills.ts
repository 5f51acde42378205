// Skill uploads for tests: a folder's files as the SDK sends them (one `files[]` part per file,
// named by its path), zips built with yazl, and reading a downloaded zip back with yauzl.
import Anthropic, { toFile } from '@anthropic-ai/sdk';
import yauzl from 'yauzl';
import yazl from 'yazl';

export const skillMd = (name: string | undefined, description: string, body = '# Instructions\n\nDo the thing.\n') =>
  `---\n${name === undefined ? '' : `name: ${name}\n`}description: ${description}\n---\n\n${body}`;

/** `files` maps paths (e.g. `my-skill/SKILL.md`) to contents. */
export async function folderFiles(files: Record<string, string | Buffer>) {
  return Promise.all(Object.entries(files).map(([path, content]) => toFile(Buffer.from(content), path)));
}

export async function uploadSkill(client: Anthropic, name: string, description = `Use ${name} when asked to.`) {
  return client.beta.skills.create({ files: await folderFiles({ [`${name}/SKILL.md`]: skillMd(name, description) }) });
}

export interface ZipEntry {
  content: string | Buffer;
  mode?: number;
}

export async function makeZip(entries: Record<string, string | Buffer | ZipEntry>, dirs: string[] = []): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const dir of dirs) zip.addEmptyDirectory(dir);
  for (const [path, entry] of Object.entries(entries)) {
    const e = typeof entry === 'string' || Buffer.isBuffer(entry) ? { content: entry } : entry;
    zip.addBuffer(Buffer.from(e.content), path, e.mode === undefined ? {} : { mode: e.mode });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export interface UnzippedFile {
  content: Buffer;
  mode: number;
}

export async function readZip(bytes: Buffer): Promise<Record<string, UnzippedFile>> {
  const zip = await yauzl.fromBufferPromise(bytes);
  const out: Record<string, UnzippedFile> = {};
  for await (const entry of zip.eachEntry()) {
    const chunks: Buffer[] = [];
    for await (const c of (await zip.openReadStreamPromise(entry)) as AsyncIterable<Buffer>) chunks.push(c);
    out[entry.fileName] = { content: Buffer.concat(chunks), mode: (entry.externalFileAttributes >>> 16) & 0o7777 };
  }
  zip.close();
  return out;
}

// Zip archives of skills: reading an uploaded one (refusing anything unsafe before a byte is
// kept) and writing the normalised one agentd stores and serves (`<name>/...`).
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { ApiError, invalidRequest } from '../errors.js';
import type { SkillBundleLimits, UploadedFile } from './skill-bundle.js';

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

/** True when `bytes` start like a zip archive (a local file header, or an empty archive's end record). */
export const looksLikeZip = (bytes: Buffer) =>
  bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && ((bytes[2] === 3 && bytes[3] === 4) || (bytes[2] === 5 && bytes[3] === 6));

const bad = (message: string) => invalidRequest(`files: ${message}`);

async function collect(stream: Readable, budget: { left: number }, name: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    budget.left -= chunk.length;
    if (budget.left < 0) {
      stream.destroy();
      throw bad(`the zip archive unpacks to more than this server accepts (reached while reading ${JSON.stringify(name)})`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * The regular files of an uploaded zip. Refused with a 400: anything that is not a valid zip,
 * absolute or `..` entry names, symlinks and other special entries, encrypted entries, and
 * archives past the file count or unpacked size limits (counted as they inflate, not trusted
 * from the headers).
 */
export async function readSkillZip(bytes: Buffer, limits: SkillBundleLimits): Promise<UploadedFile[]> {
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(bytes, { strictFileNames: true, validateEntrySizes: true });
  } catch (err) {
    throw bad(`not a readable zip archive: ${(err as Error).message}`);
  }
  const files: UploadedFile[] = [];
  const budget = { left: limits.maxBytes };
  try {
    if (zip.entryCount > limits.maxFiles * 2) throw bad(`the zip archive has ${zip.entryCount} entries; a skill holds at most ${limits.maxFiles} files`);
    for await (const entry of zip.eachEntry()) {
      const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
      const type = mode & S_IFMT;
      const isDirectory = entry.fileName.endsWith('/');
      if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
        throw bad(`zip entry ${JSON.stringify(entry.fileName)} is a symbolic link or other special file; skills hold only regular files and directories`);
      }
      if (isDirectory || type === S_IFDIR) continue;
      if (entry.isEncrypted()) throw bad(`zip entry ${JSON.stringify(entry.fileName)} is encrypted`);
      if (!entry.canDecodeFileData()) throw bad(`zip entry ${JSON.stringify(entry.fileName)} uses an unsupported compression method`);
      if (entry.uncompressedSize > budget.left) throw bad('the zip archive unpacks to more than this server accepts');
      const data = await collect(await zip.openReadStreamPromise(entry), budget, entry.fileName);
      files.push({ path: entry.fileName, bytes: data, executable: (mode & 0o111) !== 0 });
      if (files.length > limits.maxFiles) throw bad(`a skill holds at most ${limits.maxFiles} files`);
    }
  } catch (err) {
    if (err instanceof ApiError) throw err;
    // yauzl's own checks: absolute or ".." names, backslashes, sizes that lie, corrupt data.
    throw bad(`the zip archive is malformed or unsafe: ${(err as Error).message}`);
  } finally {
    zip.close();
  }
  return files;
}

/** The stored form of a version: every file under `<name>/`, modes 0644 or 0755, one fixed time. */
export async function writeSkillZip(name: string, files: readonly UploadedFile[], mtime: Date): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    zip.addBuffer(f.bytes, `${name}/${f.path}`, { mtime, mode: f.executable ? 0o100755 : 0o100644 });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

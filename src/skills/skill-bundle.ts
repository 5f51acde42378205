// A skill upload as a set of files, checked as the Skills API documents it: every file inside one
// top-level directory, a SKILL.md at its root, safe relative paths, and size limits.
import { invalidRequest } from '../errors.js';
import { readFrontMatter, type SkillFrontMatter } from './front-matter.js';

/** One uploaded file, by the path it was uploaded under (e.g. `pdf-tools/scripts/run.py`). */
export interface UploadedFile {
  path: string;
  bytes: Buffer;
  executable: boolean;
}

export interface SkillBundleLimits {
  /** Total bytes of all files. */
  maxBytes: number;
  maxFiles: number;
}

export const SKILL_MAX_FILES = 1000;
const SEGMENT_MAX_BYTES = 255;
const PATH_MAX_BYTES = 1024;

/** A checked upload: files relative to the skill's directory, and what SKILL.md says. */
export interface SkillBundle {
  directory: string;
  name: string;
  description: string;
  files: UploadedFile[];
  sizeBytes: number;
}

/** Why `path` is not a safe relative path, or undefined. */
function pathProblem(path: string): string | undefined {
  if (path.startsWith('/')) return 'is absolute; name each file by its path inside the skill folder (e.g. my-skill/SKILL.md)';
  if (path.includes('\\')) return 'contains a backslash; use "/" between directories';
  if (/\p{Cc}/u.test(path)) return 'contains control characters';
  if (Buffer.byteLength(path) > PATH_MAX_BYTES) return `is longer than ${PATH_MAX_BYTES} bytes`;
  const segments = path.split('/');
  if (segments.some((s) => s === '..')) return 'contains ".." (path traversal)';
  if (segments.some((s) => s === '' || s === '.')) return 'has an empty or "." segment';
  if (segments.some((s) => Buffer.byteLength(s) > SEGMENT_MAX_BYTES)) return `has a name longer than ${SEGMENT_MAX_BYTES} bytes`;
  return undefined;
}

export function checkSkillBundle(files: readonly UploadedFile[], limits: SkillBundleLimits): SkillBundle {
  if (files.length === 0) throw invalidRequest('files: required; upload the skill folder (or a zip of it) as file parts named "files[]"');
  if (files.length > limits.maxFiles) throw invalidRequest(`files: a skill holds at most ${limits.maxFiles} files`);
  const seen = new Set<string>();
  let sizeBytes = 0;
  for (const f of files) {
    const problem = pathProblem(f.path);
    if (problem) throw invalidRequest(`files: ${JSON.stringify(f.path)} ${problem}`);
    if (seen.has(f.path)) throw invalidRequest(`files: ${JSON.stringify(f.path)} appears twice`);
    seen.add(f.path);
    sizeBytes += f.bytes.length;
  }
  if (sizeBytes > limits.maxBytes) {
    throw invalidRequest(`files: the skill's files add up to ${sizeBytes} bytes; the most this server accepts is ${limits.maxBytes}`);
  }
  const directory = files[0]!.path.split('/')[0]!;
  const stray = files.find((f) => !f.path.startsWith(directory + '/'));
  if (stray) {
    throw invalidRequest(
      `files: every file must be inside one top-level directory with SKILL.md at its root (e.g. ${directory}/SKILL.md); ${JSON.stringify(stray.path)} is not inside ${directory}/`,
    );
  }
  const skillMd = files.find((f) => f.path === `${directory}/SKILL.md`);
  if (!skillMd) throw invalidRequest(`files: ${directory}/SKILL.md is missing; a skill needs a SKILL.md at the root of its directory`);
  const meta: SkillFrontMatter = readFrontMatter(skillMd.bytes, directory);
  return {
    directory,
    name: meta.name,
    description: meta.description,
    files: files.map((f) => ({ ...f, path: f.path.slice(directory.length + 1) })),
    sizeBytes,
  };
}

// The rules for memory paths and contents (as the SDK documents them) and the mount-path slug of
// a store: pure checks shared by the API and by write-back from a session's mount.

/** The largest memory content, in UTF-8 bytes. */
export const MEMORY_CONTENT_MAX_BYTES = 102_400;
export const MEMORY_PATH_MAX_BYTES = 1024;
export const MEMORY_PATH_MAX_SEGMENTS = 20;
/** The file the SDK's worker keeps in each mounted store folder; never a memory. */
export const MEMORY_MARKER_NAME = '.anthropic-memory-store';
/** Where stores are mounted in a session's sandbox. */
export const MEMORY_MOUNT_ROOT = '/mnt/memory';

// Control (Cc) and format (Cf) characters, and the line and paragraph separators.
const FORBIDDEN_CHARS = /[\p{Cc}\p{Cf}\u2028\u2029]/u;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const encoder = new TextEncoder();
const utf8Bytes = (s: string) => encoder.encode(s).length;

/** False when `s` has an unpaired surrogate: it has no UTF-8 form. */
export const isWellFormedText = (s: string) => !LONE_SURROGATE.test(s);

/** Why `segments` cannot be path segments, or undefined. */
function segmentProblem(segments: readonly string[]): string | undefined {
  if (segments.length < 1 || segments.length > MEMORY_PATH_MAX_SEGMENTS) {
    return `a path has 1 to ${MEMORY_PATH_MAX_SEGMENTS} segments`;
  }
  if (segments.some((s) => s === '')) return 'a path segment cannot be empty (no "//" and no trailing "/")';
  if (segments.some((s) => s === '.' || s === '..')) return 'a path segment cannot be "." or ".."';
  return undefined;
}

function textProblem(s: string): string | undefined {
  if (!isWellFormedText(s)) return 'contains an unpaired surrogate (not valid UTF-8)';
  if (FORBIDDEN_CHARS.test(s)) return 'cannot contain control characters, format characters or U+2028/U+2029';
  if (s.normalize('NFC') !== s) return 'must be in Unicode Normalization Form C';
  return undefined;
}

/** Why `path` is not a valid memory path, or undefined when it is. */
export function memoryPathProblem(path: string): string | undefined {
  if (!path.startsWith('/')) return 'a path must start with "/"';
  if (utf8Bytes(path) > MEMORY_PATH_MAX_BYTES) return `a path is at most ${MEMORY_PATH_MAX_BYTES} bytes`;
  const problem = textProblem(path) ?? segmentProblem(path.slice(1).split('/'));
  if (problem) return problem;
  if (path === `/${MEMORY_MARKER_NAME}`) return `${path} is reserved for the mount's marker file`;
  return undefined;
}

/** Why `prefix` is not a valid `path_prefix` ("/" or "/a/b/"), or undefined. */
export function pathPrefixProblem(prefix: string): string | undefined {
  if (!prefix.startsWith('/') || !prefix.endsWith('/')) return 'must start and end with "/" (e.g. "/notes/")';
  if (prefix === '/') return undefined;
  if (utf8Bytes(prefix) > MEMORY_PATH_MAX_BYTES) return `is at most ${MEMORY_PATH_MAX_BYTES} bytes`;
  return textProblem(prefix) ?? segmentProblem(prefix.slice(1, -1).split('/'));
}

/** Why `content` cannot be a memory's content, or undefined. */
export function memoryContentProblem(content: string): string | undefined {
  if (!isWellFormedText(content)) return 'contains an unpaired surrogate (not valid UTF-8)';
  const bytes = utf8Bytes(content);
  if (bytes > MEMORY_CONTENT_MAX_BYTES) return `is ${bytes} bytes; a memory holds at most ${MEMORY_CONTENT_MAX_BYTES} bytes (100 kB)`;
  return undefined;
}

/** The proper ancestors of `path` as paths ("/a/b/c" → "/a", "/a/b"). */
export function ancestorPaths(path: string): string[] {
  const segments = path.slice(1).split('/');
  return segments.slice(0, -1).map((_, i) => '/' + segments.slice(0, i + 1).join('/'));
}

/**
 * The smallest string greater than every path below the directory `dir` ("/a/" → "/a0"): in byte
 * order, all of `dir`'s descendants lie in [dir, subtreeEnd(dir)).
 */
export const subtreeEnd = (dir: string): string => dir.slice(0, -1) + '0';

/**
 * A store's directory name under /mnt/memory: the name lowercased, every run of characters other
 * than ASCII letters and digits one hyphen (leading and trailing hyphens dropped).
 */
export function memoryStoreSlug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

// The host side of sessions' files, behind one interface: resources materialised where the
// sandbox mounts them, outputs read back, everything removed with the session. Commands and the
// engine reach the host only through it (see docs/architecture.md for which node calls it).
import type { Readable } from 'node:stream';
import type { Checkout } from '../resources/clone-repository.js';
import type { MemoryDirectory } from './memory-directory.js';

/** Where a resource is mounted in the sandbox. */
export interface MountedAt {
  id: string;
  mount_path: string;
}

export interface CloneSpec {
  url: string;
  /** Reaches only the git process, never a file or the sandbox. */
  token?: string | undefined;
  checkout?: Checkout | null | undefined;
  /** Field prefix for error messages, e.g. `resources[0]`. */
  field: string;
}

/** Resources of a session materialised on this machine, mount path by resource id. */
export interface PreparedRecord {
  placed: Map<string, string>;
  /** Being placed: whatever is at their place was made by agentd (no tool ran since), so it may be replaced. */
  placing: Map<string, string>;
}

/** An output file whose bytes changed since it was last captured. */
export interface OutputFile {
  /** Path relative to the outputs directory, with `/` separators. */
  rel: string;
  /** What was captured for this path before, if anything. */
  previous: { fileId: string; sha256: string } | undefined;
  /** The bytes, from a handle opened without following symlinks. */
  read(): Readable;
}

/** What the caller made of an output file: the file that now holds its bytes. */
export interface CapturedOutput {
  fileId: string;
  sha256: string;
}

export interface Workspaces {
  /**
   * Writes a file resource read-only at its mount path (its bytes opened only when they are
   * written, so a failure to read them rejects here); 409 if something is already there. `field` as in CloneSpec.
   */
  placeFile(sessionId: string, at: MountedAt, open: () => Readable, field: string): Promise<void>;
  /** Clones a repository resource at its mount path; a GitFailure (clone-repository.ts) if git fails. */
  cloneRepository(sessionId: string, at: MountedAt, spec: CloneSpec): Promise<void>;
  /** What this machine's copy of the session holds (undefined: no record, e.g. made by an older version). */
  prepared(sessionId: string): Promise<PreparedRecord | undefined>;
  /** Records what is materialised here (before and after placing or removing resources). */
  savePrepared(sessionId: string, record: PreparedRecord): Promise<void>;
  /** Whether something is at a resource's place on the host (a placement made before records were kept). */
  holds(sessionId: string, at: MountedAt): Promise<boolean>;
  /** Removes a materialised resource (never following a symlink out of the session). */
  removeResource(sessionId: string, at: MountedAt): Promise<void>;
  /** Removes everything of the session on the host; best effort. */
  removeSession(sessionId: string): Promise<void>;
  /**
   * Hands every output file that changed since its last capture to `capture`, and remembers what
   * it returns (undefined: not captured, offered again next time).
   */
  syncOutputs(sessionId: string, capture: (file: OutputFile) => Promise<CapturedOutput | undefined>): Promise<void>;
  /** A memory store's directory in the session, mounted at its mount_path (see memory-directory.ts). */
  memory(sessionId: string, storeId: string): MemoryDirectory;
  /**
   * Unpacks a skill version (its stored zip, files under `<name>/`) into the session's skills
   * directory, mounted read-only at /workspace/skills; false when it is already there.
   */
  placeSkill(sessionId: string, name: string, zip: Buffer): Promise<boolean>;
}

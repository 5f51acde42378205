// Session outputs: files the agent writes under /mnt/session/outputs become Files API files scoped
// to the session. Each capture syncs the session's outputs (read through its workspace): a new
// file becomes a new file record; a file whose bytes changed gets a new record (new id) that
// replaces the previous one; a file the agent deletes keeps its captured record (capture never
// retracts what a client may already have listed).
import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { newId } from '../api/ids.js';
import type { Logger } from '../logger.js';
import { mimeTypeOf } from '../api/mime-types.js';
import type { CapturedOutput, OutputFile, Workspaces } from '../sandbox/workspace/workspaces.js';
import { BlobTooLargeError, type BlobStore } from '../store/blob-store.js';
import type { FileRecord, SessionRecord, Store } from '../store/types.js';

export interface OutputCaptureDeps {
  store: Store;
  blobs: BlobStore;
  workspaces: Workspaces;
  now: () => string;
  logger: Logger;
  /** Larger files are not captured (the Files API upload limit). */
  maxFileBytes: number;
}

/** Syncs the session's outputs into session-scoped files. Never throws: failures are logged. */
export async function captureSessionOutputs(deps: OutputCaptureDeps, session: SessionRecord): Promise<void> {
  let stored: Promise<FileRecord[]> | undefined;
  const storedOutputs = () => (stored ??= listCapturedFiles(deps.store, session));
  await deps.workspaces
    .syncOutputs(session.id, (file) => recordOutput(deps, session, file, storedOutputs))
    .catch((err: unknown) => deps.logger.warn({ err, session_id: session.id }, 'output capture failed'));
}

/** Session-scoped files that are not the mounted copies of file resources. */
async function listCapturedFiles(store: Store, session: SessionRecord): Promise<FileRecord[]> {
  const copies = new Set(session.resources.flatMap(({ resource: r }) => (r.type === 'file' ? [r.file_id] : [])));
  const out: FileRecord[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await store.files.list(
      session.workspaceId,
      { scopeSessionId: session.id },
      { limit: 1000, order: 'asc', ...(cursor !== undefined ? { cursor: { key: cursor, direction: 'next' as const } } : {}) },
    );
    out.push(...page.items.filter((f) => !copies.has(f.id)));
    if (!page.hasMore || page.items.length === 0) return out;
    cursor = page.items[page.items.length - 1]!.id;
  }
}

async function* hashed(source: Readable, hash: Hash): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    hash.update(chunk as Buffer);
    yield chunk as Buffer;
  }
}

async function sha256Of(source: Readable): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of source) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The captured file `rel` already has when the workspace does not say (a crash between recording
 * a file and remembering it): one with the same name, size and bytes. Never replaced, only adopted.
 */
async function recover(blobs: BlobStore, rel: string, size: number, sha256: string, stored: () => Promise<FileRecord[]>) {
  for (const f of (await stored()).filter((f) => f.filename === rel && f.sizeBytes === size).reverse()) {
    const digest = await sha256Of(blobs.read(f.id)).catch(() => undefined);
    if (digest === sha256) return f.id;
  }
  return undefined;
}

async function recordOutput(
  deps: OutputCaptureDeps,
  session: SessionRecord,
  file: OutputFile,
  stored: () => Promise<FileRecord[]>,
): Promise<CapturedOutput | undefined> {
  const id = newId('file');
  const hash = createHash('sha256');
  let size: number;
  try {
    size = await deps.blobs.write(id, Readable.from(hashed(file.read(), hash)), deps.maxFileBytes);
  } catch (err) {
    if (!(err instanceof BlobTooLargeError)) throw err;
    deps.logger.warn({ session_id: session.id, path: file.rel }, `output not captured: larger than ${deps.maxFileBytes} bytes`);
    return undefined;
  }
  const sha256 = hash.digest('hex');
  const { previous } = file;
  const unchanged = previous?.sha256 === sha256 ? previous.fileId : previous ? undefined : await recover(deps.blobs, file.rel, size, sha256, stored);
  if (unchanged !== undefined) {
    // Same bytes as the captured file (only touched, or forgotten by the workspace): keep that file.
    await deps.blobs.remove(id);
    return { fileId: unchanged, sha256 };
  }
  const record: FileRecord = {
    id,
    workspaceId: session.workspaceId,
    filename: file.rel,
    mimeType: mimeTypeOf(file.rel),
    sizeBytes: size,
    scopeSessionId: session.id,
    downloadable: true,
    createdAt: deps.now(),
    expiresAt: null,
  };
  try {
    await deps.store.transaction(async (tx) => {
      await tx.files.insert(record);
      if (previous) await tx.files.delete(previous.fileId);
    });
  } catch (err) {
    await deps.blobs.remove(id);
    throw err;
  }
  if (previous) await deps.blobs.remove(previous.fileId);
  return { fileId: id, sha256 };
}

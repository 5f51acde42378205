// Session outputs: files the agent writes under /mnt/session/outputs become Files API files scoped
// to the session. Each capture syncs the host outputs directory: a new file becomes a new file
// record; a file whose bytes changed gets a new record (new id) that replaces the previous one; a
// file the agent deletes keeps its captured record (capture never retracts what a client may
// already have listed).
import { createHash, type Hash } from 'node:crypto';
import fsp, { type FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { BigIntStats } from 'node:fs';
import { newId } from '../../api/ids.js';
import { BlobTooLargeError, type BlobStore } from '../../store/blob-store.js';
import type { FileRecord, SessionRecord, Store } from '../../store/types.js';
import { sessionLayout } from '../session-layout.js';
import { mimeTypeOf } from './mime-types.js';
import { loadOutputIndex, saveOutputIndex, type IndexedOutput } from './output-index.js';
import { openInside, scanOutputs, type ScanLimits, type ScannedOutput } from './scan-outputs.js';

export interface OutputCapture {
  /** Syncs the session's outputs into session-scoped files. Never throws: failures are logged. */
  capture(session: SessionRecord): Promise<void>;
}

export interface OutputCaptureDeps {
  store: Store;
  blobs: BlobStore;
  workspacesDir: string;
  now: () => string;
  logger: { warn(obj: object, msg: string): void };
  /** Larger files are not captured (the Files API upload limit). */
  maxFileBytes: number;
  limits?: ScanLimits;
}

const DEFAULT_LIMITS: ScanLimits = { maxFiles: 1000, maxDepth: 32 };

export function outputCapture(deps: OutputCaptureDeps): OutputCapture {
  return {
    capture: (session) =>
      captureOutputs(deps, session).catch((err: unknown) => deps.logger.warn({ err, session_id: session.id }, 'output capture failed')),
  };
}

const sameVersion = (known: IndexedOutput, stat: BigIntStats) =>
  known.size === String(stat.size) && known.mtimeNs === String(stat.mtimeNs) && known.ctimeNs === String(stat.ctimeNs) && known.ino === String(stat.ino);

async function captureOutputs(deps: OutputCaptureDeps, session: SessionRecord): Promise<void> {
  const layout = sessionLayout(deps.workspacesDir, session.id);
  const realDir = await fsp.realpath(layout.outputs).catch(() => undefined);
  if (realDir === undefined) return; // the sandbox has not made it (no tool has run there yet)
  const index = await loadOutputIndex(layout);
  let stored: Promise<FileRecord[]> | undefined;
  const storedOutputs = () => (stored ??= listCapturedFiles(deps.store, session));
  for (const file of await scanOutputs(realDir, deps.limits ?? DEFAULT_LIMITS)) {
    const known = index[file.rel];
    if (known && sameVersion(known, file.stat)) continue;
    const captured = await captureFile(deps, session, realDir, file, known, storedOutputs);
    if (captured) {
      index[file.rel] = captured;
      await saveOutputIndex(layout, index);
    }
  }
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

async function* hashed(handle: FileHandle, hash: Hash): AsyncGenerator<Buffer> {
  for await (const chunk of handle.createReadStream({ autoClose: false })) {
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
 * The captured file `rel` already has when the index does not say (a crash between recording a
 * file and saving the index): one with the same name, size and bytes. Never replaced, only adopted.
 */
async function recover(deps: OutputCaptureDeps, rel: string, size: number, sha256: string, stored: () => Promise<FileRecord[]>) {
  for (const f of (await stored()).filter((f) => f.filename === rel && f.sizeBytes === size).reverse()) {
    const digest = await sha256Of(deps.blobs.read(f.id)).catch(() => undefined);
    if (digest === sha256) return f.id;
  }
  return undefined;
}

async function captureFile(
  deps: OutputCaptureDeps,
  session: SessionRecord,
  realDir: string,
  file: ScannedOutput,
  known: IndexedOutput | undefined,
  stored: () => Promise<FileRecord[]>,
): Promise<IndexedOutput | undefined> {
  const opened = await openInside(realDir, file.abs);
  if (!opened) return undefined;
  const { handle, stat } = opened;
  try {
    const id = newId('file');
    const hash = createHash('sha256');
    let size: number;
    try {
      size = await deps.blobs.write(id, Readable.from(hashed(handle, hash)), deps.maxFileBytes);
    } catch (err) {
      if (!(err instanceof BlobTooLargeError)) throw err;
      deps.logger.warn({ session_id: session.id, path: file.rel }, `output not captured: larger than ${deps.maxFileBytes} bytes`);
      return undefined;
    }
    const version = { size: String(stat.size), mtimeNs: String(stat.mtimeNs), ctimeNs: String(stat.ctimeNs), ino: String(stat.ino) };
    const sha256 = hash.digest('hex');
    const unchanged = known?.sha256 === sha256 ? known.fileId : known ? undefined : await recover(deps, file.rel, size, sha256, stored);
    if (unchanged !== undefined) {
      // Same bytes as the captured file (only touched, or the index was lost): keep that file.
      await deps.blobs.remove(id);
      return { fileId: unchanged, ...version, sha256 };
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
        if (known) await tx.files.delete(known.fileId);
      });
    } catch (err) {
      await deps.blobs.remove(id);
      throw err;
    }
    if (known) await deps.blobs.remove(known.fileId);
    return { fileId: id, ...version, sha256 };
  } finally {
    await handle.close();
  }
}

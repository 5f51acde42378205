// File use cases: staged uploads (bytes first, metadata second), reading, deleting, session copies.
import type { Readable } from 'node:stream';
import { newId } from '../api/ids.js';
import { notFound, tooLarge } from '../errors.js';
import { BlobTooLargeError } from '../store/blob-store.js';
import type { FileRecord, Store } from '../store/types.js';
import type { CommandContext } from './context.js';

export const FILE_EXPIRES_MIN_SECONDS = 3600;
export const FILE_EXPIRES_MAX_SECONDS = 7_776_000;

export async function getFile(store: Store, workspaceId: string, id: string): Promise<FileRecord> {
  const file = await store.files.get(workspaceId, id);
  if (!file) throw notFound(`file ${id} not found`);
  return file;
}

const isExpired = (f: FileRecord, now: string) => f.expiresAt !== null && f.expiresAt <= now;

/** A file whose bytes can still be read (not past `expires_at`). */
export async function getReadableFile(ctx: CommandContext, workspaceId: string, id: string): Promise<FileRecord> {
  const file = await getFile(ctx.store, workspaceId, id);
  if (isExpired(file, ctx.now())) throw notFound(`file ${id} expired at ${file.expiresAt}`, 'file_expired');
  return file;
}

/** Bytes written under a fresh id, not yet visible: commit or discard them. */
export interface StagedFile {
  id: string;
  sizeBytes: number;
}

/** Streams an upload into the blob store; past `maxBytes` nothing is kept and the client gets 413. */
export async function stageUpload(ctx: CommandContext, source: Readable, maxBytes: number): Promise<StagedFile> {
  const id = newId('file');
  try {
    return { id, sizeBytes: await ctx.blobs.write(id, source, maxBytes) };
  } catch (err) {
    if (err instanceof BlobTooLargeError) throw tooLarge(`file: larger than this server's limit of ${maxBytes} bytes`);
    throw err;
  }
}

export async function discardUpload(ctx: CommandContext, staged: StagedFile): Promise<void> {
  await ctx.blobs.remove(staged.id);
}

export interface UploadDetails {
  filename: string;
  mimeType: string;
  expiresInSeconds?: number | undefined;
}

/** Makes staged bytes a file. Metadata goes in only now, so a listed file always has its bytes. */
export async function commitUpload(
  ctx: CommandContext,
  workspaceId: string,
  staged: StagedFile,
  details: UploadDetails,
): Promise<FileRecord> {
  const now = ctx.now();
  const file: FileRecord = {
    id: staged.id,
    workspaceId,
    filename: details.filename,
    mimeType: details.mimeType,
    sizeBytes: staged.sizeBytes,
    scopeSessionId: null,
    downloadable: true,
    createdAt: now,
    expiresAt:
      details.expiresInSeconds === undefined
        ? null
        : new Date(Date.parse(now) + details.expiresInSeconds * 1000).toISOString(),
  };
  await ctx.store.files.insert(file);
  return file;
}

export async function deleteFile(ctx: CommandContext, workspaceId: string, id: string): Promise<void> {
  const file = await getFile(ctx.store, workspaceId, id);
  // Row first: a failure after it leaves an orphaned blob, never a listed file without bytes.
  await ctx.store.files.delete(file.id);
  await ctx.blobs.remove(file.id);
}

/**
 * Duplicates a file's bytes and metadata under a new id scoped to `sessionId`, so the session
 * keeps its copy even if the original is deleted. The copy lives as long as the session does.
 */
export async function copyFileForSession(
  ctx: CommandContext,
  workspaceId: string,
  fileId: string,
  sessionId: string,
): Promise<FileRecord> {
  const source = await getReadableFile(ctx, workspaceId, fileId);
  const copy: FileRecord = {
    ...source,
    id: newId('file'),
    scopeSessionId: sessionId,
    createdAt: ctx.now(),
    expiresAt: null,
  };
  await ctx.blobs.copy(source.id, copy.id);
  try {
    await ctx.store.files.insert(copy);
  } catch (err) {
    await ctx.blobs.remove(copy.id);
    throw err;
  }
  return copy;
}

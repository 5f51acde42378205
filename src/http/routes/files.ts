// /v1/files: multipart upload (streamed to the blob store), list, metadata, download, delete.
import path from 'node:path';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { hasPrefix } from '../../api/ids.js';
import type { CommandContext } from '../../commands/context.js';
import {
  FILE_EXPIRES_MAX_SECONDS,
  FILE_EXPIRES_MIN_SECONDS,
  commitUpload,
  deleteFile,
  discardUpload,
  getFile,
  getReadableFile,
  stageUpload,
  type StagedFile,
} from '../../commands/files.js';
import { invalidRequest, notFound, tooLarge } from '../../errors.js';
import { pageRequest, wirePage } from '../pagination.js';
import { presentFile } from '../presenters/file.js';
import { queryArray, queryString, type Query } from '../query.js';

type IdParams = { Params: { file_id: string } };

const IDS_MAX = 100;
const FALLBACK_MIME = 'application/octet-stream';

/** Extensions for `unnamed.<ext>` when an upload has no filename. */
const EXTENSIONS: Record<string, string> = {
  'text/plain': 'txt',
  'text/csv': 'csv',
  'text/markdown': 'md',
  'text/html': 'html',
  'application/json': 'json',
  'application/pdf': 'pdf',
  'application/zip': 'zip',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

/** Only the final path component is kept; a missing name becomes `unnamed` (+ extension when known). */
function uploadFilename(raw: string | undefined, mimeType: string): string {
  // WHATWG FormData (the SDK's, browsers') sends a `"` in a filename as %22.
  const base = path.posix.basename((raw ?? '').replaceAll('%22', '"').replaceAll('\\', '/'));
  if (base !== '' && base !== '.' && base !== '..') return base;
  const ext = EXTENSIONS[mimeType];
  return ext ? `unnamed.${ext}` : 'unnamed';
}

function expiresInSeconds(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < FILE_EXPIRES_MIN_SECONDS || n > FILE_EXPIRES_MAX_SECONDS) {
    throw invalidRequest(
      `expires_in_seconds: must be an integer from ${FILE_EXPIRES_MIN_SECONDS} to ${FILE_EXPIRES_MAX_SECONDS}`,
    );
  }
  return n;
}

/** `attachment` with an ASCII fallback name plus the exact UTF-8 name per RFC 5987/6266. */
function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/**
 * Reads the multipart body part by part. The `file` part is streamed straight into the blob store;
 * other fields may come before or after it, so the metadata is committed only at the end.
 */
async function upload(ctx: CommandContext, req: FastifyRequest, maxFileBytes: number) {
  if (!req.isMultipart()) throw invalidRequest('file: send the upload as multipart/form-data with a "file" part');
  let staged: StagedFile | undefined;
  let truncated = false;
  let filename: string | undefined;
  let mimeType = FALLBACK_MIME;
  const fields: Record<string, string> = {};
  let problem: Error | undefined;
  try {
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        if (part.fieldname !== 'file' || staged) {
          // Drain it so the rest of the body still parses; report once the request is read.
          for await (const _ of part.file);
          problem ??= invalidRequest(`${part.fieldname}: unexpected file part; send exactly one part named "file"`);
          continue;
        }
        mimeType = part.mimetype || FALLBACK_MIME;
        filename = part.filename;
        if (filename?.includes('\0')) problem ??= invalidRequest('file: the filename must not contain a NUL character');
        staged = await stageUpload(ctx, part.file, maxFileBytes);
        // The parser cuts a part off at the limit; its own 413 usually follows from req.parts().
        truncated = part.file.truncated;
      } else if (part.fieldname === 'file') {
        problem ??= invalidRequest('file: must be a file part (with a filename), not a plain form field');
      } else {
        fields[part.fieldname] = String(part.value);
      }
    }
    if (truncated) throw tooLarge(`file: larger than this server's limit of ${maxFileBytes} bytes`);
    if (problem) throw problem;
    if (!staged) throw invalidRequest('file: required; send the bytes as a multipart part named "file"');
    const unknown = Object.keys(fields).find((k) => k !== 'expires_in_seconds');
    if (unknown !== undefined) throw invalidRequest(`${unknown}: unknown field`);
    const file = await commitUpload(ctx, req.workspaceId, staged, {
      filename: uploadFilename(filename, mimeType),
      mimeType,
      expiresInSeconds: expiresInSeconds(fields.expires_in_seconds),
    });
    return presentFile(file);
  } catch (err) {
    // Nothing of a failed upload is kept.
    if (staged) await discardUpload(ctx, staged);
    throw err;
  } finally {
    // If parsing stopped early (a limit or parser error), discard the rest of the body so the
    // request ends and its keep-alive connection can be reused or closed, not left half-read.
    req.raw.unpipe();
    req.raw.resume();
  }
}

export function fileRoutes(app: FastifyInstance, ctx: CommandContext, opts: { maxFileBytes: number }): void {
  // Multipart parsing stays inside this plugin so JSON routes never accept it.
  void app.register(async (scope) => {
    await scope.register(multipart, { limits: { fileSize: opts.maxFileBytes, files: 1 } });
    scope.post('/v1/files', async (req) => upload(ctx, req, opts.maxFileBytes));
  });

  app.get<{ Querystring: Query }>('/v1/files', async (req) => {
    const scopeId = queryString(req.query, 'scope_id');
    if (scopeId !== undefined && !hasPrefix(scopeId, 'sesn')) throw invalidRequest('scope_id: expected a session id (sesn_...)');
    const ids = queryArray(req.query, 'ids');
    if (ids !== undefined) {
      // An id lookup is one complete page: it cannot be combined with paging.
      if (req.query.page !== undefined || req.query.limit !== undefined) {
        throw invalidRequest('ids: cannot be combined with page or limit');
      }
      const unique = [...new Set(ids)];
      if (unique.length > IDS_MAX) throw invalidRequest(`ids: at most ${IDS_MAX} ids are allowed`);
      const page = { limit: IDS_MAX, order: 'desc' as const };
      const result = await ctx.store.files.list(req.workspaceId, { scopeSessionId: scopeId, ids: unique }, page);
      return { data: result.items.map(presentFile), next_page: null };
    }
    const page = pageRequest<string>(req.query, { defaultLimit: 20, maxLimit: 1000, defaultOrder: 'desc', keyType: 'string' });
    const result = await ctx.store.files.list(req.workspaceId, { scopeSessionId: scopeId }, page);
    return wirePage(result, page, (f) => f.id, presentFile);
  });

  app.get<IdParams>('/v1/files/:file_id', async (req) =>
    presentFile(await getFile(ctx.store, req.workspaceId, req.params.file_id)),
  );

  app.get<IdParams>('/v1/files/:file_id/content', async (req, reply) => {
    const file = await getReadableFile(ctx, req.workspaceId, req.params.file_id);
    const bytes = await ctx.blobs.open(file.id);
    // The record exists but its bytes are gone (the files dir was moved, cleaned or restored apart).
    if (!bytes) throw notFound(`the content of file ${file.id} ("${file.filename}") is missing from this server's file store`);
    return reply
      .type(file.mimeType)
      .header('content-disposition', contentDisposition(file.filename))
      .header('content-length', file.sizeBytes)
      .send(bytes);
  });

  app.delete<IdParams>('/v1/files/:file_id', async (req) => {
    await deleteFile(ctx, req.workspaceId, req.params.file_id);
    return { id: req.params.file_id, type: 'file_deleted' as const };
  });
}

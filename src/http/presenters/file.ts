// File records → the wire `BetaFileMetadata`.
import type { FileMetadata } from '../../api/wire.js';
import type { FileRecord } from '../../store/types.js';

export function presentFile(f: FileRecord): FileMetadata {
  return {
    type: 'file',
    id: f.id,
    filename: f.filename,
    mime_type: f.mimeType,
    size_bytes: f.sizeBytes,
    created_at: f.createdAt,
    downloadable: f.downloadable,
    scope: f.scopeSessionId === null ? null : { type: 'session', id: f.scopeSessionId },
    ...(f.expiresAt !== null ? { expires_at: f.expiresAt } : {}),
  };
}

// File records: metadata of bytes kept in the blob store.
export interface FileRecord {
  id: string;
  workspaceId: string;
  filename: string;
  mimeType: string;
  sizeBytes: number;
  scopeSessionId: string | null;
  downloadable: boolean;
  createdAt: string;
  expiresAt: string | null;
}

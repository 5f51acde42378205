// Message Batch records: one batch and one row per request.

export type BatchProcessingStatus = 'in_progress' | 'canceling' | 'ended';

/** A request's life: pending → running (leased) → one of the four result types. */
export type BatchRequestState = 'pending' | 'running' | 'succeeded' | 'errored' | 'canceled' | 'expired';
export type BatchResultType = Exclude<BatchRequestState, 'pending' | 'running'>;

export interface BatchCounts {
  processing: number;
  succeeded: number;
  errored: number;
  canceled: number;
  expired: number;
}

export interface BatchRecord {
  id: string;
  workspaceId: string;
  apiKeyId: string | null;
  /** `anthropic-beta` values the batch was created with; every request is sent with them. */
  betas: string[];
  processingStatus: BatchProcessingStatus;
  counts: BatchCounts;
  createdAt: string;
  expiresAt: string;
  endedAt: string | null;
  cancelInitiatedAt: string | null;
}

export interface NewBatchRequest {
  customId: string;
  params: Record<string, unknown>;
}

export interface BatchRequestRecord extends NewBatchRequest {
  batchId: string;
  index: number;
  state: BatchRequestState;
  /** Sends so far (retries included). */
  attempts: number;
}

export interface BatchResultRow {
  index: number;
  customId: string;
  result: unknown;
}

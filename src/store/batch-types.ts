// Message Batches: one row per batch and one per request, so a batch survives restarts request by request.
import type { Page, PageRequest } from './types.js';

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

export interface BatchRepository {
  /** The batch and all its requests, atomically. */
  create(batch: BatchRecord, requests: NewBatchRequest[]): Promise<void>;
  get(workspaceId: string, id: string): Promise<BatchRecord | undefined>;
  find(id: string): Promise<BatchRecord | undefined>;
  /** Newest first (keyset by id). */
  list(workspaceId: string, page: PageRequest): Promise<Page<BatchRecord>>;
  /** Deletes an ended batch and its requests; false if it is not ended (or gone). */
  deleteEnded(id: string): Promise<boolean>;
  /** Ids of batches still processing (in progress or canceling). */
  activeIds(): Promise<string[]>;
  /** in_progress → canceling; false if the batch was not in progress. */
  markCanceling(id: string, at: string): Promise<boolean>;
  /** A restarted process takes back the requests it was running (its leases carry its stable owner id). */
  releaseOwned(owner: string): Promise<void>;
  /** Leases the batch's next due request (pending, or running under a lapsed lease) to `owner`. */
  claimNext(batchId: string, owner: string, now: string, leaseUntil: string): Promise<BatchRequestRecord | undefined>;
  renewLease(batchId: string, index: number, owner: string, until: string): Promise<boolean>;
  /** Records a result if `owner` still holds the request; the batch's counters move in the same transaction. */
  finish(batchId: string, index: number, owner: string, type: BatchResultType, result: unknown): Promise<boolean>;
  /** Gives a leased request back to be sent again no earlier than `notBefore`. */
  retryLater(batchId: string, index: number, owner: string, notBefore: string): Promise<boolean>;
  /** Every request without a result (`running` too when `includeRunning`) gets `type` (canceled/expired). */
  settleUnfinished(batchId: string, type: 'canceled' | 'expired', includeRunning: boolean): Promise<number>;
  /** Ends the batch once no request is processing; true if this call ended it. */
  endIfDone(id: string, at: string): Promise<boolean>;
  /** Results in request order, after `afterIndex`. */
  results(batchId: string, afterIndex: number, limit: number): Promise<BatchResultRow[]>;
}

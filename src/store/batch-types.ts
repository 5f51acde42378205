// The Message Batches repository: one row per batch and one per request, so a batch survives restarts request by
// request (records in domain/records/batch.ts).
import type { BatchRecord, BatchRequestRecord, BatchResultRow, BatchResultType, NewBatchRequest } from '../domain/records/batch.js';
import type { Page, PageRequest } from './page.js';

export type {
  BatchCounts,
  BatchProcessingStatus,
  BatchRecord,
  BatchRequestRecord,
  BatchRequestState,
  BatchResultRow,
  BatchResultType,
  NewBatchRequest,
} from '../domain/records/batch.js';

/** Which running requests a settle takes: all of them, or only those whose lease lapsed before the given time. */
export type SettleRunning = 'all' | { lapsedBefore: string };

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
  /** Every pending request, and the running ones `running` picks, gets `type` (canceled/expired). */
  settleUnfinished(batchId: string, type: 'canceled' | 'expired', running: SettleRunning): Promise<number>;
  /** Ends the batch once no request is processing; true if this call ended it. */
  endIfDone(id: string, at: string): Promise<boolean>;
  /** Results in request order, after `afterIndex`. */
  results(batchId: string, afterIndex: number, limit: number): Promise<BatchResultRow[]>;
}

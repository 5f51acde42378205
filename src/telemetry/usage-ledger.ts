// Writes the usage ledger: prices each call and stores it, with (for gateway calls) its conversation's totals and
// captured content. Writes are batched: the calls of each 50 ms share one transaction, written off the request's
// path (a synchronous SQLite write per call would stall every stream in the process). A failed write is logged;
// it never fails the call it describes.
import { newId } from '../api/ids.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/types.js';
import { UsageProduct, type CapturedContent, type ConversationDelta, type ConversationSource, type UsageRecord } from '../store/usage-types.js';
import { listCostNanoUsd, type PriceTable } from './prices.js';

/** A call as its maker describes it; the ledger adds the id and the list cost. */
export type UsageCall = Omit<UsageRecord, 'id' | 'listCostNanoUsd'> & {
  /** The model the reply says answered (priced when the requested id is an alias the table does not know). */
  responseModel?: string | undefined;
};

export interface ConversationRef {
  id: string;
  source: ConversationSource;
  userId: string | null;
}

export interface UsageLedgerDeps {
  store: Store;
  prices: PriceTable;
  logger: Logger;
  /** Sees every call as it is recorded (metrics). */
  observe: (record: UsageRecord) => void;
}

interface Pending {
  record: UsageRecord;
  conversation: ConversationRef | undefined;
  content: CapturedContent | undefined;
  done: () => void;
}

/** A call as a ledger row: its id, and its list cost from the price table (null when its model has none). */
export function pricedRecord(prices: PriceTable, call: UsageCall): UsageRecord {
  const { responseModel, ...fields } = call;
  const price = prices.priceOf(call.model, responseModel, call.providerModel);
  return {
    ...fields,
    id: newId('mcall'),
    listCostNanoUsd: price ? listCostNanoUsd(price, call, { batch: call.product === UsageProduct.messageBatchesApi }) : null,
  };
}

/** Rows per transaction: bounded so that one statement stays well under both dialects' parameter limits. */
const MAX_BATCH = 400;
/**
 * How long calls gather before they are written: one transaction (and one statement preparation) per batch
 * instead of per call is most of the ledger's cost; rows become visible this much later.
 */
const FLUSH_DELAY_MS = 50;

/** Sums the calls of one batch per conversation: one upsert each. */
function conversationDeltas(batch: readonly Pending[]): ConversationDelta[] {
  const deltas = new Map<string, ConversationDelta>();
  for (const { record: r, conversation: c } of batch) {
    if (!c) continue;
    const key = `${r.workspaceId}\u0000${c.id}`;
    const d =
      deltas.get(key) ??
      ({
        workspaceId: r.workspaceId,
        id: c.id,
        rowId: newId('conv'),
        source: c.source,
        userId: c.userId,
        firstCallAt: r.createdAt,
        lastCallAt: r.createdAt,
        lastModel: r.model,
        calls: 0,
        erroredCalls: 0,
        inputTokens: 0,
        outputTokens: 0,
        cacheReadInputTokens: 0,
        cacheCreation5mInputTokens: 0,
        cacheCreation1hInputTokens: 0,
        listCostNanoUsd: 0,
      } satisfies ConversationDelta);
    d.calls += 1;
    d.erroredCalls += r.outcome === 'ok' ? 0 : 1;
    d.inputTokens += r.inputTokens;
    d.outputTokens += r.outputTokens;
    d.cacheReadInputTokens += r.cacheReadInputTokens;
    d.cacheCreation5mInputTokens += r.cacheCreation5mInputTokens;
    d.cacheCreation1hInputTokens += r.cacheCreation1hInputTokens;
    d.listCostNanoUsd += r.listCostNanoUsd ?? 0;
    d.lastCallAt = r.createdAt;
    d.lastModel = r.model;
    d.userId ??= c.userId;
    deltas.set(key, d);
  }
  return [...deltas.values()];
}

export class UsageLedger {
  private queue: Pending[] = [];
  private scheduled = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly deps: UsageLedgerDeps) {}

  /** The record that `call` becomes (exposed so callers and tests see exactly what is priced). */
  price(call: UsageCall): UsageRecord {
    return pricedRecord(this.deps.prices, call);
  }

  /** Records one call; resolves once it is stored (or the failure is logged). */
  record(
    call: UsageCall,
    extra: { conversation?: ConversationRef | undefined; content?: Omit<CapturedContent, 'callId'> | undefined } = {},
  ): Promise<UsageRecord> {
    const record = this.price(call);
    this.deps.observe(record);
    return new Promise((resolve) => {
      this.queue.push({
        record,
        conversation: extra.conversation,
        content: extra.content && { ...extra.content, callId: record.id },
        done: () => resolve(record),
      });
      this.schedule();
    });
  }

  /** Resolves once everything recorded so far is stored (shutdown: without waiting for the flush delay). */
  async drain(): Promise<void> {
    await this.flushing;
    await this.flush();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    const timer = setTimeout(() => {
      this.scheduled = false;
      this.flushing = this.flushing.then(() => this.flush());
    }, FLUSH_DELAY_MS);
    // Pending rows never keep the process alive on their own; close() drains them.
    timer.unref();
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        await this.deps.store.transaction(async (tx) => {
          await tx.usage.insertMany(batch.map((p) => p.record));
          await tx.conversations.addMany(conversationDeltas(batch));
          const contents = batch.flatMap((p) => (p.content ? [p.content] : []));
          if (contents.length > 0) await tx.conversations.saveContents(contents);
        });
      } catch (err) {
        this.deps.logger.error({ err, calls: batch.length }, 'usage ledger write failed');
      }
      for (const p of batch) p.done();
    }
  }
}

// Writes the usage ledger: prices each call, and (for gateway calls) adds it to its conversation and keeps
// captured content, all in one transaction. A failed write is logged; it never fails the call it describes.
import type { FastifyBaseLogger } from 'fastify';
import { newId } from '../api/ids.js';
import type { Store } from '../store/types.js';
import { UsageProduct, type CapturedContent, type ConversationSource, type UsageRecord } from '../store/usage-types.js';
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
  logger: FastifyBaseLogger;
}

export class UsageLedger {
  constructor(private readonly deps: UsageLedgerDeps) {}

  /** The record that `call` becomes (exposed so callers and tests see exactly what is priced). */
  price(call: UsageCall): UsageRecord {
    const { responseModel, ...fields } = call;
    const price = this.deps.prices.priceOf(call.model, responseModel, call.providerModel);
    return {
      ...fields,
      id: newId('mcall'),
      listCostNanoUsd: price ? listCostNanoUsd(price, call, { batch: call.product === UsageProduct.messageBatchesApi }) : null,
    };
  }

  /** Records one call; resolves once it is stored (or the failure is logged). */
  async record(
    call: UsageCall,
    extra: { conversation?: ConversationRef | undefined; content?: Omit<CapturedContent, 'callId'> | undefined } = {},
  ): Promise<UsageRecord> {
    const record = this.price(call);
    try {
      await this.deps.store.transaction(async (tx) => {
        await tx.usage.insert(record);
        const c = extra.conversation;
        if (c) {
          await tx.conversations.addCall(
            { workspaceId: record.workspaceId, id: c.id, rowId: newId('conv'), source: c.source, userId: c.userId, lastModel: record.model },
            record,
          );
        }
        if (extra.content) await tx.conversations.saveContent({ ...extra.content, callId: record.id });
      });
    } catch (err) {
      this.deps.logger.error({ err, request_id: call.requestId, model: call.model }, 'usage ledger write failed');
    }
    return record;
  }
}

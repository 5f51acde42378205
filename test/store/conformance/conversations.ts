// Conformance: the gateway's conversation totals (ConversationRepository.addMany: new and existing conversations,
// more than one statement's worth in one call).
import { expect, it } from 'vitest';
import type { ConversationDelta } from '../../../src/store/usage-types.js';
import type { StoreHarness } from '../conformance.js';
import { at, WS } from '../fixtures.js';

function delta(i: number, ms: number, extra: Partial<ConversationDelta> = {}): ConversationDelta {
  return {
    workspaceId: WS,
    id: `conv_${i}`,
    rowId: `convrow_${ms}_${String(i).padStart(4, '0')}`,
    source: 'prefix',
    userId: null,
    firstCallAt: at(ms),
    lastCallAt: at(ms + 1),
    lastModel: 'claude-sonnet-4-6',
    calls: 2,
    erroredCalls: 1,
    inputTokens: 10 + i,
    outputTokens: 20,
    cacheReadInputTokens: 3,
    cacheCreation5mInputTokens: 4,
    cacheCreation1hInputTokens: 5,
    listCostNanoUsd: 1000,
    ...extra,
  };
}

export function conversationConformance(h: StoreHarness): void {
  const repo = () => h.store.conversations;

  it('adds many conversations at once and sums calls into existing ones', async () => {
    // 120 conversations: more than one statement's worth (50 each).
    await repo().addMany(Array.from({ length: 120 }, (_, i) => delta(i, 0)));
    // Again for the first 60 and 70 new ones: the existing rows keep their first call and row id, sum the rest,
    // take the later call's model and time, and a user id seen now fills a missing one.
    await repo().addMany(
      Array.from({ length: 130 }, (_, k) => {
        const i = k < 60 ? k : 60 + k; // 0–59 existing, 120–189 new
        return delta(i, 5000, { lastModel: 'claude-opus-4-8', userId: i === 7 ? 'user-7' : null, inputTokens: 1 });
      }),
    );
    const seven = await repo().get(WS, 'conv_7');
    expect(seven).toEqual({
      ...delta(7, 0),
      userId: 'user-7',
      lastCallAt: at(5001),
      lastModel: 'claude-opus-4-8',
      calls: 4,
      erroredCalls: 2,
      inputTokens: 17 + 1,
      outputTokens: 40,
      cacheReadInputTokens: 6,
      cacheCreation5mInputTokens: 8,
      cacheCreation1hInputTokens: 10,
      listCostNanoUsd: 2000,
    });
    // Untouched by the second call, and one it created.
    expect(await repo().get(WS, 'conv_100')).toEqual(delta(100, 0));
    expect(await repo().get(WS, 'conv_150')).toEqual(delta(150, 5000, { lastModel: 'claude-opus-4-8', inputTokens: 1 }));
    const all = await repo().list(WS, {}, { limit: 1000, order: 'desc' });
    expect(all.items).toHaveLength(190);
    expect(all.items.reduce((n, c) => n + c.calls, 0)).toBe(2 * 250);
  });

  it('adds nothing for an empty list', async () => {
    await repo().addMany([]);
    expect((await repo().list(WS, {}, { limit: 10, order: 'desc' })).items).toEqual([]);
  });
}

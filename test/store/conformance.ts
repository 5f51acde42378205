// The store conformance suite: every Store implementation (each SQL dialect) must pass it unchanged.
// It lives under test/ rather than src/store/ because it imports vitest.
import { afterEach, beforeEach, describe } from 'vitest';
import type { Store } from '../../src/store/types.js';
import { agentConformance } from './conformance/agents.js';
import { environmentConformance } from './conformance/environments.js';
import { eventConformance } from './conformance/events.js';
import { fileConformance } from './conformance/files.js';
import { sessionConformance } from './conformance/sessions.js';
import { transactionConformance } from './conformance/transactions.js';
import { workConformance } from './conformance/work.js';
import { memoryStoreConformance } from './conformance/memory-stores.js';
import { skillConformance } from './conformance/skills.js';
import { deploymentWebhookConformance } from './conformance/deployments-webhooks.js';
import { conversationConformance } from './conformance/conversations.js';

export interface OpenedStore {
  store: Store;
  /** Removes the data (file, database). The suite has already closed every store it was given. */
  cleanup: () => Promise<void>;
  /** Opens a new Store on the same data, as a restarted process would. */
  reopen?: () => Promise<Store>;
}

/** What each section sees: the current store (replaced by `reopen`). */
export interface StoreHarness {
  readonly store: Store;
  /** Closes the current store and opens the same data again. */
  reopen(): Promise<Store>;
}

export function describeStoreConformance(name: string, open: () => Promise<OpenedStore>): void {
  describe(`store conformance: ${name}`, () => {
    let opened: OpenedStore | undefined;
    let current: Store | undefined;
    // A fresh, empty store per test keeps tests independent (lists see only their own rows).
    beforeEach(async () => {
      opened = await open();
      current = opened.store;
    });
    afterEach(async () => {
      await current?.close();
      current = undefined;
      await opened?.cleanup();
    });
    const h: StoreHarness = {
      get store() {
        if (!current) throw new Error('no open store');
        return current;
      },
      async reopen() {
        if (!opened?.reopen) throw new Error(`${name}: open() gave no reopen()`);
        await current?.close();
        current = undefined;
        current = await opened.reopen();
        return current;
      },
    };
    describe('agents', () => agentConformance(h));
    describe('environments', () => environmentConformance(h));
    describe('sessions', () => sessionConformance(h));
    describe('events', () => eventConformance(h));
    describe('files', () => fileConformance(h));
    describe('transactions and persistence', () => transactionConformance(h));
    describe('work queue and environment keys', () => workConformance(h));
    describe('memory stores', () => memoryStoreConformance(h));
    describe('skills', () => skillConformance(h));
    describe('deployments and webhooks', () => deploymentWebhookConformance(h));
    describe('gateway conversations', () => conversationConformance(h));
  });
}

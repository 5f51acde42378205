// The engine renews the leases of its running sessions together (src/engine/lease-renewals.ts): one pass renews
// every lease still held under its token and reports the ones another owner took over. Real stores on both dialects.
import pino from 'pino';
import { expect, it } from 'vitest';
import { LeaseRenewals } from '../../src/engine/lease-renewals.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { sessionRecord } from '../store/fixtures.js';
import { describeOnStores, type TestStore } from '../helpers/test-stores.js';

const LEASE_MS = 10_000;
const iso = (ms: number) => new Date(ms).toISOString();

function renewalScenario(open: () => Promise<TestStore>) {
  it('one pass renews every lease still held and reports each one lost to another owner once', async () => {
    const { store, cleanup } = await open();
    const clock = new ManualClock(Date.parse('2026-12-06T00:00:00.000Z'));
    const renewals = new LeaseRenewals({ store, owner: 'engine_a', leaseMs: LEASE_MS, clock, logger: pino({ level: 'silent' }) });
    try {
      const sessions = [1, 2, 3].map((i) => sessionRecord(i, { status: 'running' }));
      const lost: string[] = [];
      const tokens = new Map<string, number>();
      for (const s of sessions) {
        await store.sessions.insert(s);
        const token = (await store.sessions.acquireLease(s.id, 'engine_a', iso(clock.now()), iso(clock.now() + LEASE_MS)))!;
        tokens.set(s.id, token);
        renewals.hold(s.id, token, () => lost.push(s.id));
      }
      const [kept, takenOver, released] = sessions.map((s) => s.id) as [string, string, string];
      // The third is let go (its runner finished); the second lapses while this engine stalls and another takes it.
      renewals.drop(released, tokens.get(released)!);
      clock.advance(LEASE_MS + 1);
      expect(await store.sessions.acquireLease(takenOver, 'engine_b', iso(clock.now()), iso(clock.now() + LEASE_MS))).toBeTypeOf('number');
      await renewals.pass();
      expect(lost).toEqual([takenOver]);
      // The kept lease now runs LEASE_MS from this pass: another owner cannot take it just before that; the one let
      // go was not renewed.
      const nearlyLapsed = clock.now() + LEASE_MS - 1;
      expect(await store.sessions.acquireLease(kept, 'engine_b', iso(nearlyLapsed), iso(nearlyLapsed + LEASE_MS))).toBeUndefined();
      expect(await store.sessions.acquireLease(released, 'engine_b', iso(clock.now()), iso(clock.now() + LEASE_MS))).toBeTypeOf('number');
      // A lost lease is reported once: later passes leave it alone.
      await renewals.pass();
      expect(lost).toEqual([takenOver]);
    } finally {
      renewals.stop();
      await store.close();
      await cleanup();
    }
  });
}

describeOnStores('lease renewals', renewalScenario);

// A log follower hands its consumer every committed event exactly once, in order and one delivery
// at a time, whether the consumer takes them at once (the hot path: delivered synchronously from
// the publish) or now and then makes it wait (a full client buffer): events published while it
// waits are kept or read back from the store. Real SQLite store and the in-process bus.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessEventBus } from '../../src/events/event-bus.js';
import { EventLog } from '../../src/events/event-log.js';
import { followLog, MAX_PENDING_RECORDS, type FollowOptions } from '../../src/events/log-follower.js';
import { openSqliteStore } from '../../src/store/sqlite/open-sqlite-store.js';
import type { EventRecord, Store } from '../../src/store/types.js';
import { newEvents, sessionRecord } from '../store/fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A consumer that records what it is given and makes its next delivery wait when told to (a full client buffer). */
function holdingConsumer(holdFirst: boolean) {
  const seen: number[] = [];
  let hold = holdFirst;
  let release: () => void = () => {};
  const deliver = (records: readonly EventRecord[]) => {
    seen.push(...records.map((r) => r.seq));
    if (!hold) return;
    hold = false;
    return new Promise<void>((resolve) => (release = resolve));
  };
  return { seen, deliver, holdNext: () => void (hold = true), release: () => release() };
}

describe('log follower', () => {
  let dir: string;
  let store: Store;
  let bus: InProcessEventBus;
  let log: EventLog;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agentd-follower-'));
    store = await openSqliteStore(path.join(dir, 'agentd.db'));
    bus = new InProcessEventBus();
    log = new EventLog(store, bus);
  });

  const rethrow = (err: unknown) => {
    throw err;
  };
  /** Follows a session from its start; an error fails the test unless `onError` takes it. */
  const follow = (sessionId: string, deliver: FollowOptions['deliver'], onError: FollowOptions['onError'] = rethrow) =>
    followLog({ store, bus, sessionId, afterSeq: 0, deliver, onEnd: () => {}, onError });

  afterAll(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('delivers every event once and in order while its consumer alternates between taking them at once and waiting', async () => {
    const session = sessionRecord();
    await store.sessions.insert(session);
    const seen: number[] = [];
    let deliveries = 0;
    let heldDeliveries = 0;
    let waiting = false;
    let overlapping = 0;
    const stop = follow(session.id, (records: readonly EventRecord[]) => {
      // One delivery at a time: none may start while the consumer is still waiting on the last.
      if (waiting) overlapping += 1;
      seen.push(...records.map((r) => r.seq));
      deliveries += 1;
      // Every fifth delivery makes the follower wait, as a full client buffer does.
      if (deliveries % 5 !== 0) return;
      heldDeliveries += 1;
      waiting = true;
      return sleep(3).then(() => {
        waiting = false;
      });
    });
    // Appends of 1–3 events, some back to back (published while a delivery waits), some spaced out.
    let total = 0;
    for (let i = 0; i < 120; i++) {
      const n = 1 + (i % 3);
      await log.append(session.id, newEvents(n));
      total += n;
      if (i % 4 === 0) await sleep(1);
    }
    await until('every event delivered', () => seen.length >= total);
    await sleep(20);
    stop();
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(heldDeliveries).toBeGreaterThan(0);
    expect(overlapping).toBe(0);
  });

  it('reads from the store what was published while a waiting consumer fell more than the pending bound behind', async () => {
    const session = sessionRecord(1);
    await store.sessions.insert(session);
    const { seen, deliver, release } = holdingConsumer(true);
    const stop = follow(session.id, deliver);
    await log.append(session.id, newEvents(1));
    await until('the first event', () => seen.length === 1);
    const total = 1 + MAX_PENDING_RECORDS + 50;
    await log.append(session.id, newEvents(MAX_PENDING_RECORDS + 50));
    release();
    await until('every event delivered', () => seen.length >= total);
    await sleep(20);
    stop();
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  });

  // On a replica the bus publishes its own commits at once and other replicas' after a read of the store: records
  // can arrive out of order, with gaps, or twice (an announced range read again). These drive the real bus that way.
  it('never skips an event published after a gap while its consumer waited: the gap is read from the store', async () => {
    const session = sessionRecord(3);
    await store.sessions.insert(session);
    await store.events.append(session.id, newEvents(12));
    const { seen, deliver, holdNext, release } = holdingConsumer(false);
    const stop = follow(session.id, deliver);
    await until('the log so far', () => seen.length === 12);
    holdNext(); // the client's buffer fills at the next event
    bus.publish(session.id, await store.events.append(session.id, newEvents(1))); // 13, delivered; the consumer waits
    const [e14, e15] = await store.events.append(session.id, newEvents(2)); // another replica's commits
    bus.publish(session.id, [e14!]); // its 14 read and published; its 15 still to be read
    bus.publish(session.id, await store.events.append(session.id, newEvents(1))); // this replica's 16, at once
    release();
    await until('16 delivered', () => seen.includes(16));
    bus.publish(session.id, [e15!]); // the late read of 15
    await sleep(20);
    stop();
    expect(seen).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
  });

  it('delivers each event once when a range read again repeats events already published', async () => {
    const session = sessionRecord(4);
    await store.sessions.insert(session);
    const { seen, deliver, release } = holdingConsumer(true);
    const stop = follow(session.id, deliver);
    await sleep(20);
    const [e1] = await store.events.append(session.id, newEvents(1));
    bus.publish(session.id, [e1!]); // delivered; the consumer waits
    const [e2] = await store.events.append(session.id, newEvents(1));
    bus.publish(session.id, [e2!]); // this replica's own commit
    const [e3] = await store.events.append(session.id, newEvents(1));
    bus.publish(session.id, [e1!, e2!, e3!]); // another replica's announced range, read from the store
    release();
    await until('3 delivered', () => seen.includes(3));
    await sleep(20);
    stop();
    expect(seen).toEqual([1, 2, 3]);
  });

  it('delivers every committed event once and in order whatever the order, grouping and repetition of publishes', async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    for (let trial = 0; trial < 20; trial++) {
      const session = sessionRecord(100 + trial);
      await store.sessions.insert(session);
      const seen: number[] = [];
      let waiting = false;
      let overlapping = 0;
      const stop = follow(session.id, (records: readonly EventRecord[]) => {
        if (waiting) overlapping += 1;
        seen.push(...records.map((r) => r.seq));
        if (random() < 0.6) return;
        waiting = true;
        return sleep(Math.floor(random() * 3)).then(() => void (waiting = false));
      });
      // Commits in batches; each record published at least once, in shuffled groups, some twice, some late.
      const late: EventRecord[][] = [];
      let total = 0;
      for (let i = 0; i < 60; i++) {
        const batch = await store.events.append(session.id, newEvents(1 + Math.floor(random() * 3)));
        total += batch.length;
        if (random() < 0.3) late.push(batch);
        else bus.publish(session.id, batch);
        if (random() < 0.2 && late.length > 0) bus.publish(session.id, late.splice(Math.floor(random() * late.length), 1)[0]!);
        if (random() < 0.1) bus.publish(session.id, batch); // read again
        if (random() < 0.2) await sleep(1);
      }
      for (const batch of late.reverse()) bus.publish(session.id, batch);
      await until('every event delivered', () => seen.length >= total);
      await sleep(10);
      stop();
      expect(seen).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      expect(overlapping).toBe(0);
    }
  });

  it('stops at a consumer that throws, and reports it once', async () => {
    const session = sessionRecord(2);
    await store.sessions.insert(session);
    const errors: unknown[] = [];
    let deliveries = 0;
    const stop = follow(session.id, () => {
      deliveries += 1;
      if (deliveries === 2) throw new Error('client gone');
    }, (err) => void errors.push(err));
    for (let i = 0; i < 4; i++) await log.append(session.id, newEvents(1));
    await until('the error', () => errors.length === 1);
    await sleep(20);
    stop();
    expect(deliveries).toBe(2);
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe('client gone');
  });
});

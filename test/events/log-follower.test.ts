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
    const seen: number[] = [];
    let release: () => void = () => {};
    let first = true;
    const stop = follow(session.id, (records: readonly EventRecord[]) => {
      seen.push(...records.map((r) => r.seq));
      if (!first) return;
      first = false;
      return new Promise<void>((resolve) => (release = resolve));
    });
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
